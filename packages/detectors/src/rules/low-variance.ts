import type { EvidenceReading } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext, type HourView } from '../types.js';
import { detectionFloor, fmtNum, fmtTime, label } from '../context.js';
import { medianOf } from '../stats.js';

/** Hours of history the 14-day median CV is taken over. */
export const LOW_VARIANCE_HISTORY_HOURS = 336;

/**
 * low-variance: for ≥ minHours consecutive valid hours the within-hour coefficient of variation
 * stays below `ratio` × the device's own median hourly CV (from the preceding 14 days, ≥
 * minHistoryHours of them). Exactly constant hours are flatline's, values near the detection
 * floor are spared.
 */
export function lowVariance(ctx: HourRuleContext, p: RuleParams['low-variance']): Finding | null {
  const floor = detectionFloor(ctx.code, ctx.site, p.floorAbs, p.floorLimitShare);
  const cvs: number[] = [];
  for (let k = 1; k <= LOW_VARIANCE_HISTORY_HOURS; k++) {
    const v = ctx.history.get(ctx.code, ctx.hour - k * HOUR_MS);
    if (v && v.valid && Number.isFinite(v.cv) && !v.constant) cvs.push(v.cv);
  }
  if (cvs.length < p.minHistoryHours) return null;
  const med = medianOf(cvs);
  if (!(med > 0)) return null;
  const thr = p.ratio * med;
  const run: HourView[] = [];
  for (let h = ctx.hour; run.length < LOW_VARIANCE_HISTORY_HOURS; h -= HOUR_MS) {
    const v = ctx.history.get(ctx.code, h);
    if (!v || !v.valid || v.constant || !Number.isFinite(v.cv) || v.cv >= thr || !(v.value > floor)) break;
    run.unshift(v);
  }
  if (run.length < p.minHours) return null;
  const meanCv = run.reduce((a, h) => a + h.cv, 0) / run.length;
  const readings: EvidenceReading[] = run.slice(-48).map((h) => ({ t: h.hour, code: ctx.code, value: Number(h.value.toFixed(3)), text: `CV ${h.cv.toFixed(4)}`, flag: 'N' }));
  return {
    rule: 'low-variance',
    pollutant: ctx.code,
    start: run[0]!.hour,
    end: ctx.hour + HOUR_MS,
    severity: run.length >= 24 ? 'high' : 'medium',
    summary:
      `${label(ctx.code)}: for ${run.length} consecutive valid hours from ${fmtTime(run[0]!.hour, ctx.site)} the within-hour coefficient of variation ` +
      `averaged ${fmtNum(meanCv, 4)}, below ${p.ratio} × this device's own median hourly CV ${fmtNum(med, 4)} over ${cvs.length} hours: the ` +
      `measurement noise collapsed.`,
    statistic: { name: 'mean hourly CV', value: meanCv },
    threshold: { name: `${p.ratio} × median hourly CV`, value: thr },
    params: { ...p, medianCv: med, historyHours: cvs.length, detectionFloor: floor },
    readings,
    detectedAt: ctx.closedAt,
  };
}
