import { Factor, type Site } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { fmtNum, fmtTime, isValidFlag, label } from '../context.js';
import { flowRunning, minutes, runDuration, runReadings, severityByDuration, startRun, type RunState } from './common.js';

export type PhysicsCheck = 'flow-without-velocity' | 'flow-vs-velocity-area' | 'hot-dry-flue' | 'moisture-over-100' | 'pressure-implausible';

export const PHYSICS_CHECKS: readonly { check: PhysicsCheck; code: string }[] = [
  { check: 'flow-without-velocity', code: Factor.velocity },
  { check: 'flow-vs-velocity-area', code: Factor.flow },
  { check: 'hot-dry-flue', code: Factor.temperature },
  { check: 'moisture-over-100', code: Factor.moisture },
  { check: 'pressure-implausible', code: Factor.pressure },
];

function v(ctx: StepContext, code: string): number {
  const w = ctx.window;
  const i = w.size() - 1;
  const x = w.value(code, i);
  return Number.isFinite(x) && isValidFlag(w.flag(code, i)) ? x : Number.NaN;
}

function wetFgdExpected(site: Site | undefined, p: RuleParams['physics-inconsistent']): boolean {
  const declared = (site as (Site & { wetFgd?: unknown }) | undefined)?.wetFgd;
  return declared === true || p.expectWetFgd;
}

/** Evaluate one check at the newest sample: a reason string when values cannot coexist. */
function violation(check: PhysicsCheck, ctx: StepContext, p: RuleParams['physics-inconsistent']): { reason: string; stat: number; thr: number } | null {
  const flow = v(ctx, Factor.flow);
  const vel = v(ctx, Factor.velocity);
  const running = Number.isFinite(flow) && flow > 0 && flowRunning(ctx, p.runningFlowShare) && !(ctx.o2 >= 19);
  switch (check) {
    case 'flow-without-velocity':
      return running && vel === 0 ? { reason: `flow ${fmtNum(flow)} m³/s reported with flue gas velocity 0 m/s`, stat: flow, thr: 0 } : null;
    case 'flow-vs-velocity-area': {
      const area = ctx.site?.ductArea;
      if (!running || area === undefined || !Number.isFinite(vel) || vel <= 0) return null;
      const plain = vel * area;
      const temp = v(ctx, Factor.temperature);
      const pres = v(ctx, Factor.pressure);
      const moist = v(ctx, Factor.moisture);
      const absKPa = Number.isFinite(pres) ? (p.pressureUnit === 'Pa' ? pres / 1000 : pres) : Number.NaN;
      const pAbs = Number.isFinite(absKPa) ? (absKPa < p.gaugeMaxKPa ? 101.325 + absKPa : absKPa) : 101.325;
      // HJ 75 standard-state dry flow: Q = v·A·273.15/(273.15+T)·P/101.325·(1 − Xsw).
      const std = Number.isFinite(temp) ? plain * (273.15 / (273.15 + temp)) * (pAbs / 101.325) * (1 - (Number.isFinite(moist) ? moist : 0) / 100) : Number.NaN;
      const errPlain = Math.abs(flow - plain) / plain;
      const errStd = Number.isFinite(std) ? Math.abs(flow - std) / std : Number.POSITIVE_INFINITY;
      const err = Math.min(errPlain, errStd);
      return err > p.flowAreaTolerance
        ? { reason: `flow ${fmtNum(flow)} m³/s differs by ${fmtNum(err * 100, 0)} % from velocity ${fmtNum(vel)} m/s × duct area ${area} m² (${fmtNum(plain)} actual, ${fmtNum(std)} standard-state)`, stat: err, thr: p.flowAreaTolerance }
        : null;
    }
    case 'hot-dry-flue': {
      if (!running || !wetFgdExpected(ctx.site, p)) return null;
      const temp = v(ctx, Factor.temperature);
      const moist = v(ctx, Factor.moisture);
      return temp > p.hotFlueC && moist < p.dryMoisturePct
        ? { reason: `flue at ${fmtNum(temp)} °C with ${fmtNum(moist)} % moisture where wet desulfurisation keeps it near 45–55 °C and saturated (FGD bypass?)`, stat: temp, thr: p.hotFlueC }
        : null;
    }
    case 'moisture-over-100': {
      const moist = v(ctx, Factor.moisture);
      return moist > p.maxMoisturePct ? { reason: `moisture ${fmtNum(moist)} % above ${p.maxMoisturePct} %`, stat: moist, thr: p.maxMoisturePct } : null;
    }
    case 'pressure-implausible': {
      const pres = v(ctx, Factor.pressure);
      if (!Number.isFinite(pres) || !running) return null;
      const kpa = p.pressureUnit === 'Pa' ? pres / 1000 : pres;
      const ok = Math.abs(kpa) <= p.gaugeMaxKPa || (kpa >= p.absMinKPa && kpa <= p.absMaxKPa);
      return ok ? null : { reason: `flue gas pressure ${fmtNum(pres)} ${p.pressureUnit} is neither a static (gauge) pressure nor near atmospheric`, stat: kpa, thr: p.absMaxKPa };
    }
  }
}

/**
 * physics-inconsistent: values that cannot coexist, held for ≥ minMinutes: flow > 0 with velocity
 * 0; flow vs velocity × ductArea beyond tolerance (both plain and standard-state conversions);
 * a hot dry flue at a wet-FGD site (bypass); moisture > 100 %; pressure far from atmospheric.
 * `ctx.code` is the factor the check is filed under.
 */
export function physicsStep(check: PhysicsCheck, state: RunState | null, ctx: StepContext, p: RuleParams['physics-inconsistent']): StepResult<RunState> {
  const bad = violation(check, ctx, p);
  if (!bad) return { state: null, finding: null };
  const codes = [Factor.flow, Factor.velocity, Factor.temperature, Factor.moisture, Factor.pressure];
  const s: RunState = state ? { ...state, n: state.n + 1 } : startRun(ctx, codes);
  const dur = runDuration(s.startT, ctx.t, ctx.interval);
  if (dur < p.minMinutes * 60_000 || s.n < p.minSamples) return { state: s, finding: null };
  return {
    state: s,
    finding: {
      rule: 'physics-inconsistent',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: severityByDuration(dur),
      summary: `${check} (${label(ctx.code)}): ${bad.reason}, on ${s.n} samples from ${fmtTime(s.startT, ctx.site)} to ${fmtTime(ctx.t, ctx.site)} (${minutes(dur)}).`,
      statistic: { name: check, value: bad.stat },
      threshold: { name: check, value: bad.thr },
      params: { ...p, check, ...(ctx.site?.ductArea !== undefined ? { ductArea: ctx.site.ductArea } : {}) },
      readings: runReadings(ctx, s, codes, 8),
      detectedAt: ctx.t,
    },
  };
}
