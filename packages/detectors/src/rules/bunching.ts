import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext } from '../types.js';
import { fmtNum, fmtTime, label } from '../context.js';
import { binomialUpperTail } from '../stats.js';

/**
 * bunching: valid hourly values pile up just under the limit L. Three equal bins around L —
 * below [0.8L, 0.9L), band [0.9L, L), above [L, 1.1L) — have about equal counts under any density
 * that is smooth there; capping shifts mass from "above" into "band". Test: band count against
 * Binomial(n = all three bins, 1/3), p < pValue, with few values above L (≤ maxAboveShare of all
 * valid hours) and at least minBandCount in the band, from ≥ minHours valid hours.
 */
export function bunching(ctx: HourRuleContext, p: RuleParams['bunching']): Finding | null {
  const limit = ctx.site?.limits[ctx.code];
  if (limit === undefined) return null;
  const lo = p.bandLowShare * limit;
  const width = limit - lo;
  let n = 0;
  let band = 0;
  let below = 0;
  let above = 0;
  let overLimit = 0;
  let first = Number.NaN;
  for (let k = p.windowHours - 1; k >= 0; k--) {
    const h = ctx.hour - k * HOUR_MS;
    const v = ctx.history.get(ctx.code, h);
    if (!v || !v.valid || !Number.isFinite(v.value)) continue;
    if (!Number.isFinite(first)) first = h;
    n++;
    const x = v.value;
    if (x >= limit) overLimit++;
    if (x >= lo && x < limit) band++;
    else if (x >= lo - width && x < lo) below++;
    else if (x >= limit && x < limit + width) above++;
  }
  if (n < p.minHours || band < p.minBandCount) return null;
  const m = band + below + above;
  const pv = binomialUpperTail(band, m, 1 / 3);
  if (pv >= p.pValue || overLimit / n > p.maxAboveShare) return null;
  return {
    rule: 'bunching',
    pollutant: ctx.code,
    start: first,
    end: ctx.hour + HOUR_MS,
    severity: pv < 1e-6 ? 'high' : 'medium',
    summary:
      `${label(ctx.code)}: of ${n} valid hourly values, ${band} lie just under the limit in [${fmtNum(lo)}, ${limit}), against ${below} in ` +
      `[${fmtNum(lo - width)}, ${fmtNum(lo)}) and ${above} in [${limit}, ${fmtNum(limit + width)}); only ${overLimit} exceed the limit. A smooth ` +
      `distribution puts about a third of these in each bin (binomial p = ${pv.toExponential(2)}): values appear held just below the limit ` +
      `(${fmtTime(first, ctx.site)} – ${fmtTime(ctx.hour + HOUR_MS, ctx.site)}).`,
    statistic: { name: 'binomial p-value of the band count', value: pv },
    threshold: { name: 'pValue', value: p.pValue },
    params: { ...p, validHours: n, band, below, above, overLimit },
    readings: [],
    limit: { value: limit, standard: ctx.site!.standard },
    detectedAt: ctx.closedAt,
  };
}
