import type { EvidenceReading, Severity } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import { HOUR_MS, type Finding, type HourRuleContext, type HourView } from '../types.js';
import { fmtNum, fmtTime, label, unitOf } from '../context.js';

/** Severity grows with the ratio to the limit and with duration. */
export function breachSeverity(ratio: number, hours: number): Severity {
  if (ratio >= 3 || (ratio >= 2 && hours >= 6) || hours >= 24) return 'critical';
  if (ratio >= 2 || hours >= 6 || (ratio >= 1.5 && hours >= 3)) return 'high';
  if (ratio >= 1.5 || hours >= 3) return 'medium';
  return 'low';
}

function hourReading(code: string, h: HourView): EvidenceReading {
  return { t: h.hour, code, value: Number.isFinite(h.value) ? Number(h.value.toFixed(3)) : null, text: null, flag: h.valid ? 'N' : h.flag };
}

type Test = (h: HourView) => boolean;

/** Walk back over consecutive hours that satisfy `test`, from `hour` (inclusive), at most `max`. */
function runBack(ctx: HourRuleContext, hour: number, test: Test, max = 24 * 31): HourView[] {
  const out: HourView[] = [];
  for (let h = hour; out.length < max; h -= HOUR_MS) {
    const v = ctx.history.get(ctx.code, h);
    if (!v || !test(v)) break;
    out.unshift(v);
  }
  return out;
}

/**
 * breach (hourly): valid hourly average of the converted concentration above the site's hourly
 * limit; consecutive breach hours form one anomaly (start = first hour). A valid hour has
 * ≥ validHourShare of expected real-time samples flagged N, or is an hourly packet flagged N.
 */
export function hourlyBreach(ctx: HourRuleContext, p: RuleParams['breach']): Finding | null {
  const limit = ctx.site?.limits[ctx.code];
  if (limit === undefined) return null;
  const test: Test = (h) => h.valid && h.validShare >= p.validHourShare && h.value > limit;
  const run = runBack(ctx, ctx.hour, test);
  if (run.length === 0) return null;
  const max = Math.max(...run.map((h) => h.value));
  const mean = run.reduce((a, h) => a + h.value, 0) / run.length;
  const first = run[0]!;
  const std = ctx.site!.standard;
  return {
    rule: 'breach',
    pollutant: ctx.code,
    start: first.hour,
    end: ctx.hour + HOUR_MS,
    severity: breachSeverity(max / limit, run.length),
    summary:
      `${label(ctx.code)} hourly average (converted${ctx.site?.o2Ref != null ? ` to ${ctx.site.o2Ref} % O2` : ''}) exceeded the limit ${limit} ${unitOf(ctx.code)} ` +
      `(${std}) for ${run.length} consecutive valid hour(s) from ${fmtTime(first.hour, ctx.site)} to ${fmtTime(ctx.hour + HOUR_MS, ctx.site)}: ` +
      `max ${fmtNum(max)} (${fmtNum(max / limit, 2)}× the limit), mean ${fmtNum(mean)}.`,
    statistic: { name: 'max valid hourly average', value: max },
    threshold: { name: 'hourly limit', value: limit },
    params: { ...p, hours: run.length },
    readings: run.slice(-48).map((h) => hourReading(ctx.code, h)),
    limit: { value: limit, standard: std },
    detectedAt: ctx.closedAt,
  };
}

/** breach (pH-like band): valid hourly average outside [low, high]; consecutive hours merge. */
export function bandBreach(ctx: HourRuleContext, p: RuleParams['breach']): Finding | null {
  const band = ctx.site?.bands?.[ctx.code];
  if (!band) return null;
  const [lo, hi] = band;
  const test: Test = (h) => h.valid && h.validShare >= p.validHourShare && (h.value < lo || h.value > hi);
  const run = runBack(ctx, ctx.hour, test);
  if (run.length === 0) return null;
  const worst = run.reduce((a, h) => (Math.max(lo - h.value, h.value - hi) > Math.max(lo - a.value, a.value - hi) ? h : a));
  const dev = Math.max(lo - worst.value, worst.value - hi);
  return {
    rule: 'breach',
    pollutant: ctx.code,
    start: run[0]!.hour,
    end: ctx.hour + HOUR_MS,
    severity: breachSeverity(1 + dev, run.length),
    summary:
      `${label(ctx.code)} hourly average outside the permitted band ${lo}–${hi} (${ctx.site!.standard}) for ${run.length} valid hour(s) from ` +
      `${fmtTime(run[0]!.hour, ctx.site)}; worst ${fmtNum(worst.value)} at ${fmtTime(worst.hour, ctx.site)}.`,
    statistic: { name: 'worst hourly average', value: worst.value },
    threshold: { name: worst.value < lo ? 'band low' : 'band high', value: worst.value < lo ? lo : hi },
    params: { ...p, bandLow: lo, bandHigh: hi, hours: run.length },
    readings: run.slice(-48).map((h) => hourReading(ctx.code, h)),
    limit: { value: worst.value < lo ? lo : hi, standard: ctx.site!.standard },
    detectedAt: ctx.closedAt,
  };
}

/**
 * breach (daily): the daily average of valid hours (a day is valid with ≥ validDayHours valid
 * hours) above Site.dailyLimits; `dayStart` is local midnight. Consecutive days merge.
 */
export function dailyBreach(ctx: HourRuleContext, dayStart: number, p: RuleParams['breach']): Finding | null {
  const limit = ctx.site?.dailyLimits?.[ctx.code];
  if (limit === undefined) return null;
  const dayMean = (d: number): { mean: number; hours: HourView[] } | null => {
    const hours: HourView[] = [];
    for (let h = d; h < d + 24 * HOUR_MS; h += HOUR_MS) {
      const v = ctx.history.get(ctx.code, h);
      if (v && v.valid && v.validShare >= p.validHourShare && Number.isFinite(v.value)) hours.push(v);
    }
    if (hours.length < p.validDayHours) return null;
    return { mean: hours.reduce((a, h) => a + h.value, 0) / hours.length, hours };
  };
  const days: { day: number; mean: number; hours: HourView[] }[] = [];
  for (let d = dayStart; days.length < 31; d -= 24 * HOUR_MS) {
    const m = dayMean(d);
    if (!m || m.mean <= limit) break;
    days.unshift({ day: d, ...m });
  }
  if (days.length === 0) return null;
  const max = Math.max(...days.map((d) => d.mean));
  return {
    rule: 'breach',
    pollutant: ctx.code,
    idScope: 'daily',
    start: days[0]!.day,
    end: dayStart + 24 * HOUR_MS,
    severity: breachSeverity(max / limit, days.length * 24),
    summary:
      `${label(ctx.code)} daily average exceeded the daily limit ${limit} ${unitOf(ctx.code)} (${ctx.site!.standard}) on ${days.length} consecutive valid day(s) ` +
      `from ${fmtTime(days[0]!.day, ctx.site)}: max daily average ${fmtNum(max)} (${fmtNum(max / limit, 2)}× the limit).`,
    statistic: { name: 'max valid daily average', value: max },
    threshold: { name: 'daily limit', value: limit },
    params: { ...p, days: days.length },
    readings: days.flatMap((d) => d.hours.slice(-24).map((h) => hourReading(ctx.code, h))).slice(-72),
    limit: { value: limit, standard: ctx.site!.standard },
    detectedAt: ctx.closedAt,
  };
}
