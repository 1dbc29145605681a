import { z } from 'zod';
import { DataKind } from '@offsite/domain';
import type { SeriesPoint } from './port.js';

/**
 * Validation at the store's edge, shared by both adapters: a point that cannot be stored exactly
 * (NaN, a fractional or unsafe time, a tag with a line break) is refused with its index and the
 * field at fault, and nothing of that write is stored.
 */
// InfluxDB line protocol cannot carry a tag value that ends in a backslash (it escapes the
// separator after it), nor line breaks; refuse them here for both adapters alike.
const tagValue = z
  .string()
  .regex(/^[^\n\r\t]*$/, 'must not contain line breaks or tabs')
  .refine((v) => !v.endsWith('\\'), 'must not end with a backslash');
const measure = z.number().finite().nullable().optional();

export const SeriesPointInput = z.object({
  mn: tagValue.min(1),
  kind: DataKind,
  pollutant: tagValue.min(1),
  time: z.number().int().refine(Number.isSafeInteger, 'must be a safe integer (epoch ms)'),
  value: z.number().finite().nullable(),
  converted: measure,
  min: measure,
  max: measure,
  cou: measure,
  flag: z.string().min(1).max(8).nullable(),
  text: z.string().nullable().optional(),
  region: tagValue.optional(),
  enterprise: tagValue.optional(),
  outlet: tagValue.optional(),
});

/** A point with every optional field spelled out: what both adapters return. */
export type StoredPoint = Required<SeriesPoint>;

export class SeriesPointError extends Error {
  constructor(
    readonly index: number,
    readonly problems: string[],
  ) {
    super(`invalid series point #${index}: ${problems.join('; ')}`);
    this.name = 'SeriesPointError';
  }
}

/** Absent optional values become null, absent site tags become '' (the port's reading of them). */
export function normalizePoint(p: z.infer<typeof SeriesPointInput>): StoredPoint {
  return {
    mn: p.mn,
    kind: p.kind,
    pollutant: p.pollutant,
    time: p.time,
    value: p.value,
    converted: p.converted ?? null,
    min: p.min ?? null,
    max: p.max ?? null,
    cou: p.cou ?? null,
    flag: p.flag,
    text: p.text ?? null,
    region: p.region ?? '',
    enterprise: p.enterprise ?? '',
    outlet: p.outlet ?? '',
  };
}

export function validatePoints(points: readonly SeriesPoint[]): StoredPoint[] {
  if (!Array.isArray(points)) throw new SeriesPointError(-1, ['points must be an array']);
  return points.map((p, i) => {
    const parsed = SeriesPointInput.safeParse(p);
    if (!parsed.success) {
      throw new SeriesPointError(i, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(point)'}: ${issue.message}`));
    }
    return normalizePoint(parsed.data);
  });
}

/** The store key: (kind, mn, pollutant, time). */
export function pointKey(p: Pick<SeriesPoint, 'kind' | 'mn' | 'pollutant' | 'time'>): string {
  return `${p.kind}\u0000${p.mn}\u0000${p.pollutant}\u0000${p.time}`;
}

/**
 * Within one write the last point of a key wins, as it would across writes (and batches of one
 * write may be in flight concurrently, so duplicates must not reach the database together).
 */
export function dedupeLastWins(points: StoredPoint[]): StoredPoint[] {
  const keys = new Set<string>();
  for (const p of points) keys.add(pointKey(p));
  if (keys.size === points.length) return points; // the usual case: no duplicates
  const byKey = new Map<string, StoredPoint>();
  for (const p of points) {
    const key = pointKey(p);
    byKey.delete(key); // keep the order of last occurrence
    byKey.set(key, p);
  }
  return [...byKey.values()];
}

/** Preference when one pollutant exists in several kinds: `latest()` says "rtd preferred". */
export const KIND_PREFERENCE: readonly DataKind[] = ['rtd', 'minute', 'hour', 'day'];

export function comparePoints(a: SeriesPoint, b: SeriesPoint): number {
  if (a.time !== b.time) return a.time - b.time;
  return a.pollutant < b.pollutant ? -1 : a.pollutant > b.pollutant ? 1 : 0;
}
