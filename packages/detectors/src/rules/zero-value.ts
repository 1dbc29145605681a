import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { fmtNum, fmtTime, isValidFlag, label, unitOf } from '../context.js';
import { flowRunning, minutes, runDuration, runReadings, severityByDuration, startRun, type RunState } from './common.js';
import { Factor } from '@offsite/domain';
import { medianOf } from '../stats.js';

/**
 * zero-value: zero or negative concentration on valid samples while the plant runs (flow normal,
 * O2 below 19 %), for ≥ minMinutes, at a device whose own typical level is clearly above zero.
 */
export interface ZeroValueState extends RunState {
  typical: number;
}

/** Typical level: the device's hourly median, or before it is known the median of the valid samples in the window. */
function typicalLevel(ctx: StepContext): number {
  if (Number.isFinite(ctx.typicalLevel)) return ctx.typicalLevel;
  const w = ctx.window;
  const vals: number[] = [];
  for (let k = 0; k < w.size() - 1; k++) {
    const x = w.value(ctx.code, k);
    if (Number.isFinite(x) && isValidFlag(w.flag(ctx.code, k))) vals.push(x);
  }
  return vals.length >= 10 ? medianOf(vals) : Number.NaN;
}

export function zeroValueStep(state: ZeroValueState | null, ctx: StepContext, p: RuleParams['zero-value']): StepResult<ZeroValueState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const v = w.value(ctx.code, i);
  const quick = Number.isFinite(v) && v <= p.zeroAtOrBelow;
  if (!quick) return { state: null, finding: null };
  const typical = state ? state.typical : typicalLevel(ctx);
  const eligible =
    Number.isFinite(v) && v <= p.zeroAtOrBelow && isValidFlag(w.flag(ctx.code, i)) && flowRunning(ctx, p.runningFlowShare) &&
    !(ctx.o2 >= 19) && Number.isFinite(typical) && typical >= p.minTypicalLevel;
  if (!eligible) return { state: null, finding: null };
  const s: ZeroValueState = state ? { ...state, n: state.n + 1 } : { ...startRun(ctx, [ctx.code, Factor.flow, Factor.o2]), typical };
  const dur = runDuration(s.startT, ctx.t, ctx.interval);
  if (dur < p.minMinutes * 60_000 || s.n < p.minSamples) return { state: s, finding: null };
  return {
    state: s,
    finding: {
      rule: 'zero-value',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: severityByDuration(dur * 2),
      summary:
        `${label(ctx.code)} read ${fmtNum(v)} ${unitOf(ctx.code)} (≤ ${p.zeroAtOrBelow}) on ${s.n} valid samples from ${fmtTime(s.startT, ctx.site)} ` +
        `to ${fmtTime(ctx.t, ctx.site)} (${minutes(dur)}) while the plant was running (flow ${fmtNum(ctx.flow)}, O2 ${fmtNum(ctx.o2)} %); ` +
        `this device's typical level is ${fmtNum(typical)} ${unitOf(ctx.code)}.`,
      statistic: { name: 'zero-value duration (min)', value: dur / 60_000 },
      threshold: { name: 'minMinutes', value: p.minMinutes },
      params: { ...p, typicalLevel: typical },
      readings: runReadings(ctx, s, [ctx.code, Factor.flow, Factor.o2]),
      detectedAt: ctx.t,
    },
  };
}
