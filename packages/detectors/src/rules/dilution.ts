import { Factor } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { fmtNum, fmtTime, isValidFlag, label, NOT_RUNNING_O2, readingsRange } from '../context.js';
import { indexFrom, minutes, severityByDuration } from './common.js';

export interface DilutionState {
  startT: number;
  baseIndexT: number;
  baseRaw: number;
  baseO2: number;
  baseConv: number;
  baseFlow: number;
  n: number;
}

/**
 * dilution: air let into the sampling line. Within windowMinutes the raw concentration falls by
 * ≥ rawDropShare while O2 rises by ≥ o2RisePoints, flow stays within ±flowTolerance and the
 * converted value falls by ≥ convertedDropShare too (honest extra air leaves the converted value
 * unchanged; shutdown moves flow). Held for ≥ minMinutes.
 */
export function dilutionStep(state: DilutionState | null, ctx: StepContext, p: RuleParams['dilution']): StepResult<DilutionState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const raw = w.value(ctx.code, i);
  const conv = w.converted(ctx.code, i);
  const o2 = ctx.o2;
  const flow = ctx.flow;
  if (!Number.isFinite(raw) || !Number.isFinite(o2) || o2 >= NOT_RUNNING_O2 || !isValidFlag(w.flag(ctx.code, i))) return { state: null, finding: null };
  const flowOk = (base: number) => !Number.isFinite(flow) || !Number.isFinite(base) || Math.abs(flow - base) <= p.flowTolerance * base;
  let s = state;
  if (s) {
    // Still diluted: raw stays low against the baseline, O2 stays up, flow steady.
    const still = raw <= (1 - p.rawDropShare) * s.baseRaw && o2 >= s.baseO2 + p.o2RisePoints * 0.66 && flowOk(s.baseFlow);
    s = still ? { ...s, n: s.n + 1 } : null;
  }
  if (!s) {
    const from = indexFrom(w, ctx.t - p.windowMinutes * 60_000);
    for (let k = from; k < i; k++) {
      const bRaw = w.value(ctx.code, k);
      const bO2 = w.value(Factor.o2, k);
      const bConv = w.converted(ctx.code, k);
      if (!Number.isFinite(bRaw) || !Number.isFinite(bO2) || bRaw <= p.floorAbs || !isValidFlag(w.flag(ctx.code, k))) continue;
      if (raw > (1 - p.rawDropShare) * bRaw || o2 - bO2 < p.o2RisePoints) continue;
      const bFlow = w.value(Factor.flow, k);
      if (!flowOk(bFlow)) continue;
      if (Number.isFinite(conv) && Number.isFinite(bConv) && conv > (1 - p.convertedDropShare) * bConv) continue;
      // The episode starts at the first sample already diluted against this baseline.
      let first = k + 1;
      while (first < i && !(w.value(ctx.code, first) <= (1 - p.rawDropShare) * bRaw)) first++;
      s = { startT: w.time(first), baseIndexT: w.time(k), baseRaw: bRaw, baseO2: bO2, baseConv: bConv, baseFlow: bFlow, n: 1 };
      break;
    }
    if (!s) return { state: null, finding: null };
  }
  const dur = ctx.t - s.startT;
  if (dur < p.minMinutes * 60_000) return { state: s, finding: null };
  const drop = 1 - raw / s.baseRaw;
  const codes = [ctx.code, Factor.o2, Factor.flow];
  const readings = readingsRange(w, codes, Math.max(0, indexFrom(w, s.baseIndexT)), i, 16);
  return {
    state: s,
    finding: {
      rule: 'dilution',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: severityByDuration(dur * 4),
      summary:
        `${label(ctx.code)} fell from ${fmtNum(s.baseRaw)} to ${fmtNum(raw)} (−${fmtNum(drop * 100, 0)} %) while O2 rose from ${fmtNum(s.baseO2)} % ` +
        `to ${fmtNum(o2)} % and flow stayed steady (${fmtNum(s.baseFlow)} → ${fmtNum(flow)}); the converted value fell too ` +
        `(${fmtNum(s.baseConv)} → ${fmtNum(conv)}), which the extra O2 does not explain: air let into the sample line, from ` +
        `${fmtTime(s.startT, ctx.site)} to ${fmtTime(ctx.t, ctx.site)} (${minutes(dur)}).`,
      statistic: { name: 'raw concentration drop', value: drop },
      threshold: { name: 'rawDropShare', value: p.rawDropShare },
      params: { ...p, o2Rise: o2 - s.baseO2 },
      readings,
      detectedAt: ctx.t,
    },
  };
}
