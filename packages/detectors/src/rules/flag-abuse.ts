import type { EvidenceReading } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext } from '../types.js';
import { fmtNum, fmtTime, label } from '../context.js';

/**
 * flag-abuse over the last windowHours: the share of hours flagged M/C/D/S above maxFlaggedShare
 * (with at least minFlaggedHours of them and minHoursWithData of data), or ≥ wouldBreachCount
 * flagged hours whose values (flags ignored) would have exceeded the hourly limit. Scheduled
 * calibration takes minutes a day and does not flag whole hours; hours flagged C (calibration)
 * are never would-be breaches (their values are the reference gas or solution).
 */
export function flagAbuse(ctx: HourRuleContext, p: RuleParams['flag-abuse']): Finding | null {
  const limit = ctx.site?.limits[ctx.code];
  let withData = 0;
  let flagged = 0;
  let firstFlagged = Number.NaN;
  const wouldBreach: EvidenceReading[] = [];
  const flaggedHours: EvidenceReading[] = [];
  for (let k = p.windowHours - 1; k >= 0; k--) {
    const h = ctx.hour - k * HOUR_MS;
    const v = ctx.history.get(ctx.code, h);
    if (!v || !v.hasData || v.notRunning) continue;
    withData++;
    if (!v.operatorFlagged) continue;
    flagged++;
    if (!Number.isFinite(firstFlagged)) firstFlagged = h;
    const r: EvidenceReading = { t: h, code: ctx.code, value: Number.isFinite(v.value) ? Number(v.value.toFixed(3)) : null, text: null, flag: v.flag };
    flaggedHours.push(r);
    // A calibration hour's value mixes the reference gas/solution with the process: it says
    // nothing about what the plant emitted (calibrations are caught by the share test instead).
    if (limit !== undefined && v.flag !== 'C' && v.value > limit) wouldBreach.push(r);
  }
  const share = withData ? flagged / withData : 0;
  const byShare = withData >= p.minHoursWithData && flagged >= p.minFlaggedHours && share > p.maxFlaggedShare;
  const byBreach = wouldBreach.length >= p.wouldBreachCount;
  if (!byShare && !byBreach) return null;
  const parts: string[] = [];
  if (byShare) parts.push(`${flagged} of ${withData} hours (${fmtNum(share * 100, 1)} %) carry operator flags M/C/D/S, above ${fmtNum(p.maxFlaggedShare * 100, 0)} %`);
  if (byBreach) parts.push(`${wouldBreach.length} flagged hours would have exceeded the limit ${limit} had they not been flagged`);
  return {
    rule: 'flag-abuse',
    pollutant: ctx.code,
    start: firstFlagged,
    end: ctx.hour + HOUR_MS,
    severity: byBreach ? (wouldBreach.length >= 2 * p.wouldBreachCount ? 'critical' : 'high') : share > 2 * p.maxFlaggedShare ? 'high' : 'medium',
    summary: `${label(ctx.code)}, ${p.windowHours} h to ${fmtTime(ctx.hour + HOUR_MS, ctx.site)}: ${parts.join('; ')}.`,
    statistic: byBreach ? { name: 'flagged would-be breach hours', value: wouldBreach.length } : { name: 'share of operator-flagged hours', value: share },
    threshold: byBreach ? { name: 'wouldBreachCount', value: p.wouldBreachCount } : { name: 'maxFlaggedShare', value: p.maxFlaggedShare },
    params: { ...p, flaggedHours: flagged, hoursWithData: withData },
    readings: (byBreach ? wouldBreach : flaggedHours).slice(-48),
    ...(limit !== undefined && byBreach ? { limit: { value: limit, standard: ctx.site!.standard } } : {}),
    detectedAt: ctx.closedAt,
  };
}
