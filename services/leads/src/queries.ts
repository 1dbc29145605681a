import { z } from 'zod';
import { AnomalyCategory, LeadStatus, RuleId } from '@offsite/domain';
import type { AnomalyFilter, LeadFilter } from '@offsite/lead-store';
import { ValidationError } from '@offsite/leads-core';

/**
 * Query-string schemas for the list endpoints, so the HTTP layer and the service agree on what
 * a filter means. Lists accept comma-separated values; times are epoch ms or ISO 8601.
 */
const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(item).min(1)).optional();
/**
 * `from`/`to`: epoch milliseconds (digits) or an ISO 8601 date/instant. The one definition for
 * every list and series query, so a bad value gets the same message that says what is accepted.
 */
export const Instant = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    if (/^\d+$/.test(v)) return Number(v);
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : t;
  },
  z.number({ error: (iss) => `expected epoch milliseconds or an ISO 8601 date, got ${JSON.stringify(iss.input)?.slice(0, 60) ?? String(iss.input)}` }).int(),
);
const instant = Instant.optional();
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const cursor = z.string().min(1).nullable().default(null);

export const LeadListQuery = z.object({
  status: csv(LeadStatus),
  priority: csv(z.enum(['P1', 'P2', 'P3', 'P4'])),
  category: AnomalyCategory.optional(),
  mn: z.string().min(1).optional(),
  team: z.string().min(1).optional(),
  minScore: z.coerce.number().min(0).max(100).optional(),
  q: z.string().min(1).max(100).optional(),
  from: instant,
  to: instant,
  sort: z.enum(['updated', 'created', 'score']).optional(),
  cursor,
  limit,
});

export const AnomalyListQuery = z.object({ mn: z.string().min(1).optional(), rule: RuleId.optional(), leadId: z.string().optional(), from: instant, to: instant, cursor, limit });

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`);
  throw new ValidationError(`${what}: ${issues.join('; ')}`, issues);
}

export function parseLeadListQuery(query: unknown): { filter: LeadFilter; cursor: string | null; limit: number } {
  const { cursor: c, limit: l, ...filter } = parseOrThrow(LeadListQuery, query, 'lead query');
  return { filter, cursor: c, limit: l };
}

export function parseAnomalyListQuery(query: unknown): { filter: AnomalyFilter; cursor: string | null; limit: number } {
  const { cursor: c, limit: l, ...filter } = parseOrThrow(AnomalyListQuery, query, 'anomaly query');
  return { filter, cursor: c, limit: l };
}

export { parseOrThrow };
