import { anomalyId, ruleCategory, type Anomaly, type RuleId, type Severity } from '@offsite/domain';

export const H = 3600_000;
export const T0 = Date.UTC(2025, 2, 1, 0, 0, 0);

export function makeAnomaly(o: { mn?: string; rule?: RuleId; start?: number; hours?: number; severity?: Severity; pollutant?: string | null; values?: number[] } = {}): Anomaly {
  const mn = o.mn ?? 'MN0001';
  const rule = o.rule ?? 'breach';
  const start = o.start ?? T0;
  const end = start + (o.hours ?? 1) * H;
  const pollutant = o.pollutant === undefined ? 'a21026' : o.pollutant;
  const values = o.values ?? [120, 130];
  return {
    id: anomalyId(mn, pollutant, rule, start),
    mn,
    pollutant,
    rule,
    category: ruleCategory[rule],
    start,
    end,
    severity: o.severity ?? 'medium',
    detectedAt: end,
    evidence: {
      summary: `${rule} on ${pollutant}`,
      statistic: { name: 'hourly avg', value: values[0] ?? 0 },
      threshold: { name: 'limit', value: 100 },
      params: { minHours: 1 },
      readings: values.map((v, i) => ({ t: start + i * H, code: pollutant ?? 'a00000', value: v, flag: 'N' })),
    },
  };
}
