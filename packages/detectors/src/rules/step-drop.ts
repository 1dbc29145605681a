import { Factor } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { fmtNum, fmtTime, isValidFlag, label, NOT_RUNNING_O2, readingsRange } from '../context.js';
import { indexFrom, minutes, severityByDuration } from './common.js';
import { medianOf } from '../stats.js';

export interface StepDropState {
  startT: number;
  baseline: number;
  baseFlow: number;
  baseO2: number;
  baseT: number;
}

function valid(ctx: StepContext, k: number): number {
  const v = ctx.window.value(ctx.code, k);
  return Number.isFinite(v) && isValidFlag(ctx.window.flag(ctx.code, k)) ? v : Number.NaN;
}

/**
 * step-drop: the concentration falls by ≥ dropShare within withinSamples samples, with no matching
 * change in flow (±flowTolerance) or O2 (±o2TolerancePoints), and stays at or below holdShare of
 * the baseline for ≥ holdMinutes (an analyzer parameter or range changed), and (once the device's
 * long-run level, its median valid hour, is known) at or below holdShare of that level too, so the
 * end of an upset or of a pinned value is not a drop. Shutdowns move flow; dilution moves O2 (its own rule).
 */
export function stepDropStep(state: StepDropState | null, ctx: StepContext, p: RuleParams['step-drop']): StepResult<StepDropState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const v = valid(ctx, i);
  // A fall to zero is zero-value's finding, not this one.
  if (!Number.isFinite(v) || v <= 0 || ctx.o2 >= NOT_RUNNING_O2) return { state: null, finding: null };
  const flowSteady = (base: number) => !Number.isFinite(ctx.flow) || !Number.isFinite(base) || Math.abs(ctx.flow - base) <= p.flowTolerance * base;
  const o2Steady = (base: number) => !Number.isFinite(ctx.o2) || !Number.isFinite(base) || Math.abs(ctx.o2 - base) <= p.o2TolerancePoints;
  // The new level must also be low against the device's long-run level (median valid hour, when
  // known): a return to normal after a genuine upset or a pinned value is not a step-drop.
  const level = ctx.window.converted(ctx.code, i);
  const belowLongRun = !Number.isFinite(ctx.typicalLevel) || !Number.isFinite(level) || level <= p.holdShare * ctx.typicalLevel;
  let s = state;
  if (s && !(v <= p.holdShare * s.baseline && belowLongRun && flowSteady(s.baseFlow) && o2Steady(s.baseO2))) s = null;
  if (!s) {
    const b = i - p.withinSamples;
    if (b < p.baselineSamples - 1) return { state: null, finding: null };
    const base: number[] = [];
    for (let k = b - p.baselineSamples + 1; k <= b; k++) base.push(valid(ctx, k));
    const baseline = medianOf(base);
    if (!Number.isFinite(baseline) || baseline <= p.floorAbs || v > (1 - p.dropShare) * baseline || !belowLongRun) return { state: null, finding: null };
    // The drop happens after the baseline, and flow/O2 were steady across baseline and now.
    if (!(valid(ctx, b) > (1 - p.dropShare) * baseline)) return { state: null, finding: null };
    for (let k = b - p.baselineSamples + 1; k <= b; k++) {
      if (!flowSteady(w.value(Factor.flow, k)) || !o2Steady(w.value(Factor.o2, k))) return { state: null, finding: null };
    }
    const baseFlow = w.value(Factor.flow, b);
    const baseO2 = w.value(Factor.o2, b);
    let startK = b + 1;
    while (startK < i && !(valid(ctx, startK) <= (1 - p.dropShare) * baseline)) startK++;
    s = { startT: w.time(startK), baseline, baseFlow, baseO2, baseT: w.time(b - p.baselineSamples + 1) };
  }
  const dur = ctx.t - s.startT + (Number.isFinite(ctx.interval) ? ctx.interval : 0);
  if (dur < p.holdMinutes * 60_000) return { state: s, finding: null };
  const drop = 1 - v / s.baseline;
  return {
    state: s,
    finding: {
      rule: 'step-drop',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: severityByDuration(dur * 2),
      summary:
        `${label(ctx.code)} dropped from a baseline of ${fmtNum(s.baseline)} to ${fmtNum(v)} (−${fmtNum(drop * 100, 0)} %) within ${p.withinSamples} samples ` +
        (Number.isFinite(ctx.typicalLevel) ? `(its long-run hourly level is ${fmtNum(ctx.typicalLevel)}) ` : '') +
        `at ${fmtTime(s.startT, ctx.site)} and stayed down for ${minutes(dur)} while flow (${fmtNum(s.baseFlow)} → ${fmtNum(ctx.flow)}) and O2 ` +
        `(${fmtNum(s.baseO2)} → ${fmtNum(ctx.o2)} %) did not change: no process change explains it.`,
      statistic: { name: 'drop from baseline', value: drop },
      threshold: { name: 'dropShare', value: p.dropShare },
      params: { ...p, baseline: s.baseline, longRunLevel: Number.isFinite(ctx.typicalLevel) ? ctx.typicalLevel : 'unknown' },
      readings: readingsRange(w, [ctx.code, Factor.flow, Factor.o2], Math.max(0, indexFrom(w, s.baseT)), i, 16),
      detectedAt: ctx.t,
    },
  };
}
