import { Factor, type EvidenceReading } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext, type HourView } from '../types.js';
import { detectionFloor, fmtNum, fmtTime, label, unitOf } from '../context.js';
import { medianOf } from '../stats.js';

/** Hours of history the 14-day median CV is taken over. */
export const LOW_VARIANCE_HISTORY_HOURS = 336;

/**
 * low-variance, three screens (the first that fires is reported; evidence names it):
 * - cv-collapse: for ≥ minHours consecutive valid hours the within-hour coefficient of variation
 *   stays below `ratio` × the device's own median hourly CV (from the preceding 14 days, ≥
 *   minHistoryHours of them). Exactly constant hours are flatline's, values near the detection
 *   floor are spared.
 * - narrow-band: for ≥ bandMinHours consecutive valid hours above the floor, hourly means ± 2
 *   within-hour sd stay within bandShareOfRange of the analyzer's range (Site.ranges) while the
 *   flow moved (hourly flow CV ≥ bandMinFlowCv): the load changed, the reading did not.
 * - at-detection-limit: for ≥ limitMinHours consecutive valid hours the hourly level sits above
 *   zero (zero is zero-value's) and at or below the detection floor, at a device whose median
 *   valid hour over the 14 days before was ≥ limitHistoryFactor × the floor. Units that always
 *   run at the limit (gas SO2) are spared by their own history.
 */
export function lowVariance(ctx: HourRuleContext, p: RuleParams['low-variance']): Finding | null {
  return cvCollapse(ctx, p) ?? narrowBand(ctx, p) ?? atDetectionLimit(ctx, p);
}

function cvCollapse(ctx: HourRuleContext, p: RuleParams['low-variance']): Finding | null {
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
    params: { ...p, screen: 'cv-collapse', medianCv: med, historyHours: cvs.length, detectionFloor: floor },
    readings,
    detectedAt: ctx.closedAt,
  };
}

function sdOf(xs: readonly number[]): { mean: number; cv: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return { mean, cv: sd / mean };
}

function narrowBand(ctx: HourRuleContext, p: RuleParams['low-variance']): Finding | null {
  const range = ctx.site?.ranges[ctx.code];
  if (!(range !== undefined && range > 0)) return null;
  const floor = detectionFloor(ctx.code, ctx.site, p.floorAbs, p.floorLimitShare);
  const width = p.bandShareOfRange * range;
  const flowCode = ctx.site?.kind === 'water' ? Factor.waterFlow : Factor.flow;
  const run: HourView[] = [];
  const flows: number[] = [];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let h = ctx.hour; run.length < LOW_VARIANCE_HISTORY_HOURS; h -= HOUR_MS) {
    const v = ctx.history.get(ctx.code, h);
    if (!v || !v.valid || v.constant || !(v.value > floor)) break;
    const sd = Number.isFinite(v.cv) ? v.cv * v.value : 0;
    const nlo = Math.min(lo, v.value - 2 * sd);
    const nhi = Math.max(hi, v.value + 2 * sd);
    if (nhi - nlo > width) break;
    lo = nlo;
    hi = nhi;
    run.unshift(v);
    const f = ctx.history.get(flowCode, h);
    if (f && f.valid && Number.isFinite(f.value)) flows.push(f.value);
  }
  if (run.length < p.bandMinHours || flows.length < run.length / 2) return null;
  const flow = sdOf(flows);
  if (!(flow.cv >= p.bandMinFlowCv)) return null;
  return {
    rule: 'low-variance',
    pollutant: ctx.code,
    start: run[0]!.hour,
    end: ctx.hour + HOUR_MS,
    severity: run.length >= 48 ? 'high' : 'medium',
    summary:
      `${label(ctx.code)}: for ${run.length} consecutive valid hours from ${fmtTime(run[0]!.hour, ctx.site)} every hourly level (± 2 within-hour sd) stayed ` +
      `between ${fmtNum(lo)} and ${fmtNum(hi)}, a band of ${fmtNum(((hi - lo) / range) * 100, 2)} % of the analyzer range ${range}, while the flow moved ` +
      `(hourly CV ${fmtNum(flow.cv * 100, 1)} %): the reading did not follow the process.`,
    statistic: { name: 'band as share of analyzer range', value: (hi - lo) / range },
    threshold: { name: 'bandShareOfRange', value: p.bandShareOfRange },
    params: { ...p, screen: 'narrow-band', range, bandLow: lo, bandHigh: hi, flowCv: flow.cv, detectionFloor: floor },
    readings: hourReadings(ctx.code, run),
    detectedAt: ctx.closedAt,
  };
}

function atDetectionLimit(ctx: HourRuleContext, p: RuleParams['low-variance']): Finding | null {
  const floor = detectionFloor(ctx.code, ctx.site, p.floorAbs, p.floorLimitShare);
  const run: HourView[] = [];
  for (let h = ctx.hour; run.length < LOW_VARIANCE_HISTORY_HOURS; h -= HOUR_MS) {
    const v = ctx.history.get(ctx.code, h);
    if (!v || !v.valid || !(v.value > 0 && v.value <= floor)) break;
    run.unshift(v);
  }
  if (run.length < p.limitMinHours) return null;
  const before: number[] = [];
  for (let k = 1; k <= LOW_VARIANCE_HISTORY_HOURS; k++) {
    const v = ctx.history.get(ctx.code, run[0]!.hour - k * HOUR_MS);
    if (v && v.valid && Number.isFinite(v.value)) before.push(v.value);
  }
  if (before.length < p.minHistoryHours) return null;
  const usual = medianOf(before);
  if (!(usual >= p.limitHistoryFactor * floor)) return null;
  const level = medianOf(run.map((h) => h.value));
  return {
    rule: 'low-variance',
    pollutant: ctx.code,
    start: run[0]!.hour,
    end: ctx.hour + HOUR_MS,
    severity: run.length >= 24 ? 'high' : 'medium',
    summary:
      `${label(ctx.code)}: for ${run.length} consecutive valid hours from ${fmtTime(run[0]!.hour, ctx.site)} the hourly level hovered at the detection ` +
      `limit (median ${fmtNum(level)}, floor ${fmtNum(floor)} ${unitOf(ctx.code)}) at a device whose median valid hour over the ${before.length} hours before was ` +
      `${fmtNum(usual)}: a reading parked at the limit, not a measurement.`,
    statistic: { name: 'median hourly level', value: level },
    threshold: { name: 'detection floor', value: floor },
    params: { ...p, screen: 'at-detection-limit', usualLevel: usual, historyHours: before.length, detectionFloor: floor },
    readings: hourReadings(ctx.code, run),
    detectedAt: ctx.closedAt,
  };
}

function hourReadings(code: string, run: readonly HourView[]): EvidenceReading[] {
  return run.slice(-48).map((h) => ({ t: h.hour, code, value: Number(h.value.toFixed(3)), text: Number.isFinite(h.cv) ? `CV ${h.cv.toFixed(4)}` : null, flag: 'N' }));
}
