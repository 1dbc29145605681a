import { Factor } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext } from '../types.js';
import { fmtNum, fmtTime, label } from '../context.js';
import { pearsonFromSums } from '../stats.js';

/** Hourly flow (x) and pollutant (y) over a window, NaN where either hour is missing or invalid. */
interface HourPairs {
  x: number[];
  y: number[];
}

function readWindow(ctx: HourRuleContext, from: number, hours: number, flowCode: string): HourPairs {
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < hours; k++) {
    const h = from + k * HOUR_MS;
    const a = ctx.history.get(ctx.code, h);
    const f = ctx.history.get(flowCode, h);
    const ok = a && f && a.valid && f.valid && Number.isFinite(a.value) && Number.isFinite(f.value);
    x.push(ok ? f.value : Number.NaN);
    y.push(ok ? a.value : Number.NaN);
  }
  return { x, y };
}

function pearson(x: readonly number[], y: readonly number[]): { r: number; n: number } {
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < x.length; i++) {
    const a = x[i]!, b = y[i]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    n++;
    sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
  }
  return { r: pearsonFromSums(n, sx, sy, sxx, syy, sxy), n };
}

/** Level correlation of the hourly values, and the flow's coefficient of variation. */
function levels(w: HourPairs): { r: number; n: number; flowCv: number } {
  const { r, n } = pearson(w.x, w.y);
  let s = 0, ss = 0;
  for (const v of w.x) if (Number.isFinite(v)) { s += v; ss += v * v; }
  const mean = n ? s / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (ss - (s * s) / n) / (n - 1))) : Number.NaN;
  return { r, n, flowCv: sd / mean };
}

/** Hour-to-hour changes (first differences; NaN unless both hours are present). */
function changes(v: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < v.length; i++) out.push(v[i]! - v[i - 1]!);
  return out;
}

/** Lag-1 autocorrelation of a series with gaps (NaN), over consecutive present pairs. */
export function lag1Autocorrelation(v: readonly number[]): number {
  let n = 0, s = 0;
  for (const x of v) if (Number.isFinite(x)) { n++; s += x; }
  if (n < 3) return Number.NaN;
  const mean = s / n;
  let num = 0, den = 0, pairs = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) continue;
    const d = v[i]! - mean;
    den += d * d;
    if (i > 0 && Number.isFinite(v[i - 1]!)) {
      num += d * (v[i - 1]! - mean);
      pairs++;
    }
  }
  // Per-pair and per-value averages, so gaps do not bias it towards 0.
  return den > 0 && pairs > 0 ? num / pairs / (den / n) : Number.NaN;
}

/**
 * Effective number of independent pairs behind a correlation of two autocorrelated series
 * (Bartlett 1935 / Quenouille 1947, AR(1) form): n·(1 − ρxρy)/(1 + ρxρy), ρ the lag-1
 * autocorrelations. A negative product is not credited (n_eff ≤ n).
 */
export function effectivePairs(n: number, rhoX: number, rhoY: number): number {
  const rho = Number.isFinite(rhoX) && Number.isFinite(rhoY) ? Math.min(0.99, Math.max(0, rhoX * rhoY)) : 0;
  return (n * (1 - rho)) / (1 + rho);
}

/** Correlation of the hour-to-hour changes of flow and pollutant, with its effective sample size. */
function changeCoupling(w: HourPairs): { r: number; n: number; nEff: number } {
  const dx = changes(w.x);
  const dy = changes(w.y);
  const { r, n } = pearson(dx, dy);
  return { r, n, nEff: effectivePairs(n, lag1Autocorrelation(dx), lag1Autocorrelation(dy)) };
}

const fisherZ = (r: number) => Math.atanh(Math.max(-0.999999, Math.min(0.999999, r)));

/** P(Z ≥ z) for a standard normal Z. */
function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes erfcc, relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/**
 * correlation-break: hourly averages of a pollutant that followed flow (Pearson r > beforeMin over
 * the beforeHours before) stop following it (r < afterMax over the last afterHours) although flow
 * still moves (flow CV ≥ minFlowCv); the reported values no longer come from the process.
 *
 * Hourly levels are autocorrelated (a daily cycle, slow drift), so their r is not a test: two
 * series that merely share a daily cycle correlate, and slow honest drift then breaks it. The
 * coupling and its fall are therefore judged on hour-to-hour changes (first differences, which
 * prewhiten the cycle and the drift): before, the changes must correlate (r ≥ beforeChangeMin:
 * the pollutant followed flow hour by hour), and their correlation must fall significantly
 * (one-sided Fisher z, p < pValue) with each window's sample size reduced to its effective size
 * for whatever autocorrelation is left in the changes.
 */
export function correlationBreak(ctx: HourRuleContext, p: RuleParams['correlation-break']): Finding | null {
  const flowCode = ctx.site?.kind === 'water' ? Factor.waterFlow : Factor.flow;
  const afterStart = ctx.hour - (p.afterHours - 1) * HOUR_MS;
  const beforeStart = afterStart - p.beforeHours * HOUR_MS;
  const afterWindow = readWindow(ctx, afterStart, p.afterHours, flowCode);
  const after = levels(afterWindow);
  if (after.n < Math.ceil(p.afterHours * 0.75) || !(after.flowCv >= p.minFlowCv)) return null;
  const rAfter = Number.isFinite(after.r) ? after.r : 0;
  if (rAfter >= p.afterMax) return null;
  const beforeWindow = readWindow(ctx, beforeStart, p.beforeHours, flowCode);
  const before = levels(beforeWindow);
  if (before.n < Math.ceil(p.beforeHours * 0.75) || !(before.r > p.beforeMin)) return null;
  const changesBefore = changeCoupling(beforeWindow);
  if (!(changesBefore.r >= p.beforeChangeMin)) return null;
  const changesAfter = changeCoupling(afterWindow);
  if (!(changesBefore.nEff > 3 && changesAfter.nEff > 3)) return null;
  const rChangeAfter = Number.isFinite(changesAfter.r) ? changesAfter.r : 0;
  const z = (fisherZ(changesBefore.r) - fisherZ(rChangeAfter)) / Math.sqrt(1 / (changesBefore.nEff - 3) + 1 / (changesAfter.nEff - 3));
  const pFall = normalUpperTail(z);
  if (!(pFall < p.pValue)) return null;
  return {
    rule: 'correlation-break',
    pollutant: ctx.code,
    start: afterStart,
    end: ctx.hour + HOUR_MS,
    severity: 'medium',
    summary:
      `${label(ctx.code)} followed flue/water flow over the ${p.beforeHours} h before ${fmtTime(afterStart, ctx.site)} (r = ${fmtNum(before.r)}; ` +
      `hour-to-hour changes r = ${fmtNum(changesBefore.r)}) but not over the last ${p.afterHours} h (r = ${fmtNum(rAfter)}; changes r = ${fmtNum(rChangeAfter)}) ` +
      `although flow kept varying (CV ${fmtNum(after.flowCv * 100, 1)} %); a fall this large in the changes' correlation by chance has p = ${pFall.toExponential(1)} ` +
      `(${fmtNum(changesBefore.nEff, 1)} and ${fmtNum(changesAfter.nEff, 1)} effectively independent hours).`,
    statistic: { name: 'correlation with flow, recent window', value: rAfter },
    threshold: { name: 'afterMax', value: p.afterMax },
    params: {
      ...p,
      correlationBefore: before.r,
      hoursBefore: before.n,
      hoursAfter: after.n,
      changeCorrelationBefore: changesBefore.r,
      changeCorrelationAfter: rChangeAfter,
      effectiveHoursBefore: changesBefore.nEff,
      effectiveHoursAfter: changesAfter.nEff,
      pFall,
    },
    readings: [],
    detectedAt: ctx.closedAt,
  };
}
