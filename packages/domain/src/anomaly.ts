import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Stable rule ids: a public contract (docs/contracts.md). */
export const RuleId = z.enum([
  'breach',
  'flatline',
  'zero-value',
  'stuck-at-range',
  'step-drop',
  'bunching',
  'low-variance',
  'copied-segment',
  'dilution',
  'converted-mismatch',
  'physics-inconsistent',
  'flag-abuse',
  'terminal-digit',
  'correlation-break',
  'data-gap',
  'late-data',
  'clock-skew',
  'duplicate-timestamp',
]);
export type RuleId = z.infer<typeof RuleId>;

export const Severity = z.enum(['low', 'medium', 'high', 'critical']);
export type Severity = z.infer<typeof Severity>;
export const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

/** Which legal basis an anomaly points to. */
export const AnomalyCategory = z.enum(['exceedance', 'tampering', 'data-quality']);
export type AnomalyCategory = z.infer<typeof AnomalyCategory>;

export const ruleCategory: Record<RuleId, AnomalyCategory> = {
  breach: 'exceedance',
  flatline: 'tampering',
  'zero-value': 'tampering',
  'stuck-at-range': 'tampering',
  'step-drop': 'tampering',
  bunching: 'tampering',
  'low-variance': 'tampering',
  'copied-segment': 'tampering',
  dilution: 'tampering',
  'converted-mismatch': 'tampering',
  'physics-inconsistent': 'tampering',
  'flag-abuse': 'tampering',
  'terminal-digit': 'tampering',
  'correlation-break': 'tampering',
  'data-gap': 'data-quality',
  'late-data': 'data-quality',
  'clock-skew': 'data-quality',
  'duplicate-timestamp': 'data-quality',
};

/** One reading an anomaly was computed on, frozen as evidence. */
export const EvidenceReading = z.object({
  t: z.number().int(),
  code: z.string(),
  value: z.number().nullable(),
  text: z.string().nullable().optional(),
  flag: z.string().nullable().optional(),
});
export type EvidenceReading = z.infer<typeof EvidenceReading>;

export const Evidence = z.object({
  /** Human-readable account: what was seen, against what threshold. */
  summary: z.string(),
  statistic: z.object({ name: z.string(), value: z.number() }),
  threshold: z.object({ name: z.string(), value: z.number() }),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  readings: z.array(EvidenceReading),
  limit: z.object({ value: z.number(), standard: z.string() }).optional(),
});
export type Evidence = z.infer<typeof Evidence>;

/** The message on `supervision.anomalies.v1` (key = MN). Times are epoch ms. */
export const Anomaly = z.object({
  id: z.string(),
  mn: z.string(),
  pollutant: z.string().nullable(),
  rule: RuleId,
  category: AnomalyCategory,
  start: z.number().int(),
  end: z.number().int(),
  severity: Severity,
  evidence: Evidence,
  detectedAt: z.number().int(),
});
export type Anomaly = z.infer<typeof Anomaly>;

/** Deterministic id: a replay of the same data yields the same anomaly id. */
export function anomalyId(mn: string, pollutant: string | null, rule: RuleId, windowStart: number): string {
  const h = createHash('sha256').update(`${mn}|${pollutant ?? '-'}|${rule}|${windowStart}`).digest('hex');
  return `an_${h.slice(0, 24)}`;
}
