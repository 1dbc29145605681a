import type { RuleParams } from '../params.js';
import type { StepResult } from '../types.js';
import { fmtTime } from '../context.js';
import { medianOf } from '../stats.js';
import type { BatchInfo } from './timing.js';

export interface ClockSkewState {
  skews: number[];
  times: number[];
  /** Set once the skew is confirmed: the episode start. */
  startT: number | null;
}

/**
 * clock-skew: on real-time packets that are the newest the device has sent (so backfill is left
 * out), receivedAt − DataTime beyond ±maxSkewMinutes on `consecutive` packets whose skews agree
 * within maxSpreadSeconds. A wrong clock gives a steady offset; backfill skews shrink packet by
 * packet, and network delay is seconds. The platform answers with CN 1012.
 */
export function clockSkewStep(state: ClockSkewState | null, b: BatchInfo, p: RuleParams['clock-skew']): StepResult<ClockSkewState> {
  const skew = b.receivedAt - b.dataTime;
  const limit = p.maxSkewMinutes * 60_000;
  if (Math.abs(skew) <= limit) return { state: null, finding: null };
  const s: ClockSkewState = state ? { skews: [...state.skews, skew], times: [...state.times, b.dataTime], startT: state.startT } : { skews: [skew], times: [b.dataTime], startT: null };
  while (s.skews.length > p.consecutive) {
    s.skews.shift();
    s.times.shift();
  }
  const lo = Math.min(...s.skews);
  const hi = Math.max(...s.skews);
  if (hi - lo > p.maxSpreadSeconds * 1000 || Math.sign(lo) !== Math.sign(hi)) {
    // Not a steady offset: restart from this packet.
    return { state: { skews: [skew], times: [b.dataTime], startT: null }, finding: null };
  }
  if (s.skews.length < p.consecutive && s.startT === null) return { state: s, finding: null };
  if (s.startT === null) s.startT = s.times[0]!;
  const med = medianOf(s.skews);
  const dir = med > 0 ? 'behind' : 'ahead of';
  return {
    state: s,
    finding: {
      rule: 'clock-skew',
      pollutant: null,
      start: s.startT,
      end: b.dataTime,
      severity: Math.abs(med) >= 3_600_000 ? 'medium' : 'low',
      summary:
        `The logger's clock runs about ${Math.round(Math.abs(med) / 60_000)} min ${dir} platform time: ${s.skews.length} consecutive real-time ` +
        `packets since ${fmtTime(s.startT, b.site)} arrived with a steady offset (spread ${Math.round((hi - lo) / 1000)} s). ` +
        'Data are filed under the wrong hour; answer with CN 1012 (set clock).',
      statistic: { name: 'median receivedAt − DataTime (min)', value: med / 60_000 },
      threshold: { name: 'maxSkewMinutes', value: p.maxSkewMinutes },
      params: { ...p, skewMs: med },
      readings: [],
      detectedAt: b.dataTime,
    },
  };
}
