import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { fmtNum, fmtTime, label, unitOf } from '../context.js';
import { minutes, runDuration, runReadings, severityByDuration, startRun, type RunState } from './common.js';

/**
 * stuck-at-range: value pinned at the analyzer's full-scale range (Site.ranges), or a run of
 * T-flagged samples ("over range"), for ≥ minMinutes. A real short spike over range is honest.
 */
export function stuckAtRangeStep(state: RunState | null, ctx: StepContext, p: RuleParams['stuck-at-range']): StepResult<RunState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const v = w.value(ctx.code, i);
  const flag = w.flag(ctx.code, i);
  const atRange = ctx.range !== undefined && Number.isFinite(v) && v >= p.rangeShare * ctx.range && (flag === null || flag === 'N' || flag === 'T');
  const eligible = atRange || flag === 'T';
  if (!eligible) return { state: null, finding: null };
  const s: RunState = state ? { ...state, n: state.n + 1 } : startRun(ctx, [ctx.code]);
  const dur = runDuration(s.startT, ctx.t, ctx.interval);
  if (dur < p.minMinutes * 60_000 || s.n < p.minSamples) return { state: s, finding: null };
  const how = ctx.range !== undefined ? `at the analyzer range ${ctx.range} ${unitOf(ctx.code)} (or flagged T)` : 'flagged T (over range)';
  return {
    state: s,
    finding: {
      rule: 'stuck-at-range',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: severityByDuration(dur * 2),
      summary:
        `${label(ctx.code)} stayed ${how} on ${s.n} consecutive samples from ${fmtTime(s.startT, ctx.site)} to ${fmtTime(ctx.t, ctx.site)} ` +
        `(${minutes(dur)}), last value ${fmtNum(v)}: the true concentration is unknown and at least the range.`,
      statistic: { name: 'pinned duration (min)', value: dur / 60_000 },
      threshold: { name: 'minMinutes', value: p.minMinutes },
      params: { ...p, ...(ctx.range !== undefined ? { range: ctx.range } : {}) },
      readings: runReadings(ctx, s, [ctx.code]),
      detectedAt: ctx.t,
    },
  };
}
