import { Factor, type EvidenceReading } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { convertsO2, fmtNum, fmtTime, formulaConverted, isValidFlag, label, NOT_RUNNING_O2 } from '../context.js';
import { indexFrom, minutes, runDuration, severityByDuration } from './common.js';

export interface MismatchState {
  startT: number;
  n: number;
  maxRelErr: number;
  first: EvidenceReading[];
}

function evidenceAt(ctx: StepContext, i: number): EvidenceReading[] {
  const w = ctx.window;
  const t = w.time(i);
  const out: EvidenceReading[] = [{ t, code: ctx.code, value: w.value(ctx.code, i), text: w.text(ctx.code, i), flag: w.flag(ctx.code, i) }];
  if (w.has(Factor.o2)) out.push({ t, code: Factor.o2, value: w.value(Factor.o2, i), text: w.text(Factor.o2, i), flag: w.flag(Factor.o2, i) });
  out.push({ t, code: `${ctx.code}-Zs`, value: w.converted(ctx.code, i), text: null, flag: w.flag(ctx.code, i) });
  return out;
}

/**
 * converted-mismatch: the logger's converted value (ZsRtd/ZsAvg) disagrees with
 * raw × (21 − O2_ref)/(21 − O2) by more than relTolerance (and absTolerance) on consecutive
 * valid samples for ≥ minMinutes: a tampered conversion formula or reference O2.
 */
export function convertedMismatchStep(state: MismatchState | null, ctx: StepContext, p: RuleParams['converted-mismatch']): StepResult<MismatchState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const raw = w.value(ctx.code, i);
  const rep = ctx.reportedConverted;
  if (!convertsO2(ctx.code, ctx.site) || !Number.isFinite(raw) || !Number.isFinite(rep) || !Number.isFinite(ctx.o2) || ctx.o2 >= NOT_RUNNING_O2) {
    return { state: null, finding: null };
  }
  if (!isValidFlag(w.flag(ctx.code, i))) return { state: null, finding: null };
  const o2Ref = ctx.site!.o2Ref as number;
  const expected = formulaConverted(raw, ctx.o2, o2Ref);
  const dec = w.decimals(ctx.code, i);
  const quantum = dec >= 0 ? 10 ** -dec : 0;
  const err = Math.abs(rep - expected);
  const relErr = err / Math.max(Math.abs(expected), 1e-9);
  if (err <= Math.max(p.relTolerance * Math.abs(expected), p.absTolerance, 2 * quantum)) return { state: null, finding: null };
  const s: MismatchState = state
    ? { ...state, n: state.n + 1, maxRelErr: Math.max(state.maxRelErr, relErr) }
    : { startT: ctx.t, n: 1, maxRelErr: relErr, first: evidenceAt(ctx, i) };
  const dur = runDuration(s.startT, ctx.t, ctx.interval);
  if (dur < p.minMinutes * 60_000 || s.n < p.minSamples) return { state: s, finding: null };
  const readings = [...s.first];
  const from = Math.max(indexFrom(w, s.startT), i - 7);
  for (let k = from; k <= i; k++) if (w.time(k) !== s.startT) readings.push(...evidenceAt(ctx, k));
  return {
    state: s,
    finding: {
      rule: 'converted-mismatch',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: relErr >= 0.3 ? severityByDuration(dur * 4) : severityByDuration(dur),
      summary:
        `${label(ctx.code)}: the logger's converted value ${fmtNum(rep)} disagrees with the formula ` +
        `${fmtNum(raw)} × (21 − ${o2Ref}) / (21 − ${fmtNum(ctx.o2)}) = ${fmtNum(expected)} by ${fmtNum(relErr * 100, 1)} % ` +
        `(max ${fmtNum(s.maxRelErr * 100, 1)} %) on ${s.n} consecutive samples from ${fmtTime(s.startT, ctx.site)} to ${fmtTime(ctx.t, ctx.site)} (${minutes(dur)}).`,
      statistic: { name: 'relative error of converted value', value: relErr },
      threshold: { name: 'relTolerance', value: p.relTolerance },
      params: { ...p, o2Ref },
      readings,
      detectedAt: ctx.t,
    },
  };
}
