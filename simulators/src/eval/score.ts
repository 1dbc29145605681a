import { RuleId, type Anomaly } from '@offsite/domain';
import type { TruthLabel } from '../truth.js';

export interface RuleScore {
  rule: RuleId;
  truthWindows: number;
  hit: number;
  anomalies: number;
  matched: number;
  recall: number | null;
  precision: number | null;
}

export interface Score {
  rules: RuleScore[];
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
  return { rules: out, honestDeviceDays, honestAnomalies, falsePerHonestSiteDay: honestDeviceDays ? honestAnomalies / honestDeviceDays : 0 };
}
