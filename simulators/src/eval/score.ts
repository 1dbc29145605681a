import { RuleId, type Anomaly } from '@offsite/domain';
import type { TruthLabel } from '../truth.js';

/** Counts and rates of one scoring unit (a rule, or all rules pooled). */
interface Tally {
  truthWindows: number;
  hit: number;
  anomalies: number;
  matched: number;
  /** hit / truth windows. */
  recall: number | null;
  /** matched / anomalies (for the pool: anomalies on honest devices count as unmatched). */
  precision: number | null;
}

export interface RuleScore extends Tally {
  rule: RuleId;
}

/** All rules pooled: micro-averaged over every truth window and every anomaly, plus the macro means. */
export interface OverallScore extends Tally {
  /** Mean of the per-rule recalls (rules with truth) and precisions (rules with anomalies). */
  macroRecall: number | null;
  macroPrecision: number | null;
}

export interface Score {
  rules: RuleScore[];
  overall: OverallScore;
  /** Anomalies on devices with no truth label at all, per honest device-day. */
  falsePerHonestSiteDay: number;
  honestDeviceDays: number;
  honestAnomalies: number;
}

/** Same device, overlapping (with slack), and the same pollutant unless either side is device-wide. */
export function matches(a: Anomaly, l: TruthLabel, slackMs: number): boolean {
  if (a.mn !== l.mn || a.rule !== l.pattern) return false;
  if (a.pollutant !== null && l.pollutant !== null && a.pollutant !== l.pollutant) return false;
  return a.start < Date.parse(l.end) + slackMs && Date.parse(l.start) - slackMs <= a.end;
}

/**
 * Per rule: recall = share of truth windows hit by an anomaly of that rule; precision = share of
 * that rule's anomalies overlapping one of its truth windows (detection.md, "Measuring quality").
 */
export function score(anomalies: readonly Anomaly[], truth: readonly TruthLabel[], honestDevices: ReadonlyMap<string, number>, slackMs: number): Score {
  // Every rule, so a rule without a scenario (no truth) still shows its false anomalies, or none.
  const rules = new Set<RuleId>([...RuleId.options, ...truth.map((l) => l.pattern), ...anomalies.map((a) => a.rule)]);
  const out: RuleScore[] = [];
  for (const rule of [...rules].sort()) {
    const windows = truth.filter((l) => l.pattern === rule);
    const found = anomalies.filter((a) => a.rule === rule);
    const hit = windows.filter((l) => found.some((a) => matches(a, l, slackMs))).length;
    const matched = found.filter((a) => windows.some((l) => matches(a, l, slackMs))).length;
    out.push({
      rule,
      truthWindows: windows.length,
      hit,
      anomalies: found.length,
      matched,
      recall: windows.length ? hit / windows.length : null,
      precision: found.length ? matched / found.length : null,
    });
  }
  const honestDeviceDays = [...honestDevices.values()].reduce((a, b) => a + b, 0);
  const honestAnomalies = anomalies.filter((a) => honestDevices.has(a.mn)).length;
  return { rules: out, overall: overallOf(out), honestDeviceDays, honestAnomalies, falsePerHonestSiteDay: honestDeviceDays ? honestAnomalies / honestDeviceDays : 0 };
}

export function overallOf(rules: readonly RuleScore[]): OverallScore {
  const sum = (f: (r: RuleScore) => number) => rules.reduce((a, r) => a + f(r), 0);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const truthWindows = sum((r) => r.truthWindows);
  const hit = sum((r) => r.hit);
  const anomalies = sum((r) => r.anomalies);
  const matched = sum((r) => r.matched);
  return {
    truthWindows,
    hit,
    anomalies,
    matched,
    recall: truthWindows ? hit / truthWindows : null,
    precision: anomalies ? matched / anomalies : null,
    macroRecall: mean(rules.flatMap((r) => (r.recall === null ? [] : [r.recall]))),
    macroPrecision: mean(rules.flatMap((r) => (r.precision === null ? [] : [r.precision]))),
  };
}
