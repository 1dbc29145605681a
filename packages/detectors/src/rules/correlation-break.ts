import { Factor } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext } from '../types.js';
import { fmtNum, fmtTime, label } from '../context.js';
import { pearsonFromSums } from '../stats.js';

function corrOver(ctx: HourRuleContext, from: number, hours: number, flowCode: string): { r: number; n: number; flowCv: number } {
  let n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (let k = 0; k < hours; k++) {
    const h = from + k * HOUR_MS;
    const a = ctx.history.get(ctx.code, h);
    const f = ctx.history.get(flowCode, h);
    if (!a || !f || !a.valid || !f.valid || !Number.isFinite(a.value) || !Number.isFinite(f.value)) continue;
    n++;
    sx += f.value; sy += a.value; sxx += f.value * f.value; syy += a.value * a.value; sxy += f.value * a.value;
  }
  const mean = n ? sx / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(Math.max(0, (sxx - (sx * sx) / n) / (n - 1))) : Number.NaN;
  return { r: pearsonFromSums(n, sx, sy, sxx, syy, sxy), n, flowCv: sd / mean };
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
 * still moves (flow CV ≥ minFlowCv), and the fall is significant (Fisher z, p < pValue): the
 * reported values no longer come from the process.
 */
export function correlationBreak(ctx: HourRuleContext, p: RuleParams['correlation-break']): Finding | null {
  const flowCode = ctx.site?.kind === 'water' ? Factor.waterFlow : Factor.flow;
  const afterStart = ctx.hour - (p.afterHours - 1) * HOUR_MS;
  const beforeStart = afterStart - p.beforeHours * HOUR_MS;
  const after = corrOver(ctx, afterStart, p.afterHours, flowCode);
  if (after.n < Math.ceil(p.afterHours * 0.75) || !(after.flowCv >= p.minFlowCv)) return null;
  const rAfter = Number.isFinite(after.r) ? after.r : 0;
  if (rAfter >= p.afterMax) return null;
  const before = corrOver(ctx, beforeStart, p.beforeHours, flowCode);
  if (before.n < Math.ceil(p.beforeHours * 0.75) || !(before.r > p.beforeMin)) return null;
  // Correlations over a dozen hourly points scatter widely: the fall must also be significant
  // (Fisher z test of r_before > r_after, one-sided), or honest wander of emissions breaks it.
  const z = (fisherZ(before.r) - fisherZ(rAfter)) / Math.sqrt(1 / (before.n - 3) + 1 / (after.n - 3));
  const pFall = normalUpperTail(z);
  if (!(pFall < p.pValue)) return null;
  return {
    rule: 'correlation-break',
    pollutant: ctx.code,
    start: afterStart,
    end: ctx.hour + HOUR_MS,
    severity: 'medium',
    summary:
      `${label(ctx.code)} followed flue/water flow over the ${p.beforeHours} h before ${fmtTime(afterStart, ctx.site)} (r = ${fmtNum(before.r)}) but not over the ` +
      `last ${p.afterHours} h (r = ${fmtNum(rAfter)}) although flow kept varying (CV ${fmtNum(after.flowCv * 100, 1)} %); a fall this large by chance has p = ${pFall.toExponential(1)}.`,
    statistic: { name: 'correlation with flow, recent window', value: rAfter },
    threshold: { name: 'afterMax', value: p.afterMax },
    params: { ...p, correlationBefore: before.r, hoursBefore: before.n, hoursAfter: after.n, pFall },
    readings: [],
    detectedAt: ctx.closedAt,
  };
}
