import type { RuleParams } from '../params.js';
import type { Finding } from '../types.js';
import type { Site } from '@offsite/domain';
import { fmtTime } from '../context.js';
import { minutes } from './common.js';

/** Intervals missing between two consecutive samples `interval` apart. */
export function missingIntervals(prevT: number, t: number, interval: number): number {
  if (!Number.isFinite(interval) || interval <= 0) return 0;
  return Math.max(0, Math.round((t - prevT) / interval) - 1);
}

/** Threshold for this stream: > 3 missing real-time/minute intervals, or any missing hour. */
export function gapThreshold(hourly: boolean, p: RuleParams['data-gap']): number {
  return hourly ? p.hourlyMinMissing : p.minMissingIntervals;
}

/**
 * data-gap: expected samples missing. `from`/`to` are the first and last missing slot; `ongoing`
 * when the device is still silent at the watermark. Decided only after the lateness bound so a
 * backfill (补发) that fills the gap cancels it.
 */
export function gapFinding(
  mn: string,
  site: Site | undefined,
  from: number,
  to: number,
  missing: number,
  interval: number,
  ongoing: boolean,
  detectedAt: number,
  hourly: boolean,
  p: RuleParams['data-gap'],
): Finding {
  const span = to - from + interval;
  return {
    rule: 'data-gap',
    pollutant: null,
    start: from,
    end: to,
    severity: span >= 24 * 3_600_000 ? 'high' : span >= 4 * 3_600_000 ? 'medium' : 'low',
    summary:
      `Device ${mn}: ${missing} expected ${hourly ? 'hourly' : `${Math.round(interval / 1000)} s`} sample(s) missing from ${fmtTime(from, site)} to ` +
      `${fmtTime(to, site)} (${minutes(span)})${ongoing ? ', and the device is still silent' : ''}; no backfill arrived within the lateness bound.`,
    statistic: { name: 'missing intervals', value: missing },
    threshold: { name: hourly ? 'hourlyMinMissing' : 'minMissingIntervals', value: gapThreshold(hourly, p) },
    params: { ...p, intervalMs: interval },
    readings: [],
    detectedAt,
  };
}
