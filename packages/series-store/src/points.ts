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

/**
 * Absent optional values become null, absent site tags become '' (the port's reading of them).
 * A point that spells out every field (as the archive's do) is returned as it is: no copy.
 */
export function normalizePoint(p: z.infer<typeof SeriesPointInput>): StoredPoint {
  if (isComplete(p)) return p;
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

const KIND_SET: ReadonlySet<unknown> = new Set(DataKind.options);
const TAG_FORBIDDEN = /[\n\r\t]/;

const isTag = (v: unknown): boolean => typeof v === 'string' && !TAG_FORBIDDEN.test(v) && !v.endsWith('\\');
const isOptionalTag = (v: unknown): boolean => v === undefined || isTag(v);
const isFiniteOrNull = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v));
const isMeasure = (v: unknown): boolean => v === undefined || isFiniteOrNull(v);

/**
 * The same rules as SeriesPointInput, checked by hand: zod's per-point parse was half of the
 * archive's CPU at 80k points/s. Only a point this refuses goes through zod, for its messages;
 * a property test keeps the two in agreement.
 */
export function isValidPoint(p: unknown): boolean {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return false;
  const r = p as Record<string, unknown>;
  const flag = r.flag;
  const text = r.text;
  return (
    isTag(r.mn) &&
    (r.mn as string).length > 0 &&
    KIND_SET.has(r.kind) &&
    isTag(r.pollutant) &&
    (r.pollutant as string).length > 0 &&
    Number.isSafeInteger(r.time) &&
    isFiniteOrNull(r.value) &&
    isMeasure(r.converted) &&
    isMeasure(r.min) &&
    isMeasure(r.max) &&
    isMeasure(r.cou) &&
    (flag === null || (typeof flag === 'string' && flag.length >= 1 && flag.length <= 8)) &&
    (text === null || text === undefined || typeof text === 'string') &&
    isOptionalTag(r.region) &&
    isOptionalTag(r.enterprise) &&
    isOptionalTag(r.outlet)
  );
}

function isComplete(p: z.infer<typeof SeriesPointInput>): p is StoredPoint {
  return p.converted !== undefined && p.min !== undefined && p.max !== undefined && p.cou !== undefined && p.text !== undefined && p.region !== undefined && p.enterprise !== undefined && p.outlet !== undefined;
}

export function validatePoints(points: readonly SeriesPoint[]): StoredPoint[] {
  if (!Array.isArray(points)) throw new SeriesPointError(-1, ['points must be an array']);
  return points.map((p, i) => {
    if (isValidPoint(p)) return normalizePoint(p);
    const parsed = SeriesPointInput.safeParse(p);
    if (!parsed.success) {
      throw new SeriesPointError(i, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(point)'}: ${issue.message}`));
    }
    // Unreachable while isValidPoint and the schema agree (the property test checks they do).
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
  if (!hasDuplicateKeys(points)) return points; // the usual case
  const byKey = new Map<string, StoredPoint>();
  for (const p of points) {
    const key = pointKey(p);
    byKey.delete(key); // keep the order of last occurrence
    byKey.set(key, p);
  }
  return [...byKey.values()];
}

/**
 * Points arrive in runs sharing (kind, mn, time), one packet's readings each, so the check keys a
 * set of pollutants by the run: one string per run instead of one per point.
 */
function hasDuplicateKeys(points: readonly StoredPoint[]): boolean {
  const runs = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  let last: StoredPoint | undefined;
  for (const p of points) {
    if (current === undefined || last === undefined || p.time !== last.time || p.mn !== last.mn || p.kind !== last.kind) {
      const runKey = `${p.kind}\u0000${p.mn}\u0000${p.time}`;
      current = runs.get(runKey);
      if (current === undefined) {
        current = new Set();
        runs.set(runKey, current);
      }
    }
    last = p;
    if (current.has(p.pollutant)) return true;
    current.add(p.pollutant);
  }
  return false;
}

/** Preference when one pollutant exists in several kinds: `latest()` says "rtd preferred". */
export const KIND_PREFERENCE: readonly DataKind[] = ['rtd', 'minute', 'hour', 'day'];

export function comparePoints(a: SeriesPoint, b: SeriesPoint): number {
  if (a.time !== b.time) return a.time - b.time;
  return a.pollutant < b.pollutant ? -1 : a.pollutant > b.pollutant ? 1 : 0;
}
