import { z } from 'zod';
import { DataFlag } from './flags.js';
import { isExactReadingBatch } from './reading-check.js';

/** What a packet's CN says about the data: real-time (2011), minute (2051), hour (2061), day (2031). */
export const DataKind = z.enum(['rtd', 'minute', 'hour', 'day']);
export type DataKind = z.infer<typeof DataKind>;

export const dataKindByCn: Record<string, DataKind> = { '2011': 'rtd', '2051': 'minute', '2061': 'hour', '2031': 'day' };

/**
 * One factor (pollutant or process parameter) at one instant. `value` is the main value of the
 * kind (Rtd for real-time, Avg otherwise), `converted` its O2-corrected twin (ZsRtd/ZsAvg) when the
 * logger reports one. `text` keeps the written digits of `value` (terminal-digit and
 * copied-segment rules need them). Other suffixes are kept verbatim in `extra`.
 */
export const Reading = z.object({
  code: z.string().min(1),
  originalCode: z.string().optional(),
  value: z.number().nullable(),
  text: z.string().nullable(),
  converted: z.number().nullable().optional(),
  min: z.number().nullable().optional(),
  max: z.number().nullable().optional(),
  cou: z.number().nullable().optional(),
  flag: DataFlag.nullable(),
  eflag: z.string().nullable().optional(),
  sampleTime: z.number().nullable().optional(),
  extra: z.record(z.string(), z.string()).optional(),
});
export type Reading = z.infer<typeof Reading>;

/**
 * The message on `emissions.readings.v1` (key = MN): every reading of one packet, for one
 * device and one DataTime. Times are epoch milliseconds (UTC). "Readings/s" in benchmarks counts
 * `readings` entries, not batches.
 */
export const ReadingBatch = z.object({
  mn: z.string().min(1),
  st: z.string(),
  cn: z.string(),
  kind: DataKind,
  qn: z.string().nullable(),
  dataTime: z.number().int(),
  receivedAt: z.number().int(),
  protocol: z.enum(['2017', '2005']),
  source: z.enum(['mqtt', 'tcp', 'json', 'replay']),
  readings: z.array(Reading),
});
export type ReadingBatch = z.infer<typeof ReadingBatch>;

/** Dead letter: a packet that could not become readings, with the reason. Nothing is dropped. */
export const DeadLetter = z.object({
  source: z.enum(['mqtt', 'tcp', 'json', 'archive', 'detect', 'leads']),
  receivedAt: z.number().int(),
  raw: z.string(),
  rawBase64: z.string().optional(),
  peer: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** The message on `devices.status.v1` (key = MN). */
export const DeviceStatus = z.object({
  mn: z.string(),
  state: z.enum(['online', 'offline']),
  at: z.number().int(),
  lastSeen: z.number().int().nullable(),
  clockSkewMs: z.number().nullable().optional(),
  transport: z.enum(['mqtt', 'tcp', 'json']).optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

export type DecodedBatch = { ok: true; batch: ReadingBatch } | { ok: false; error: { code: 'BAD_JSON' | 'BAD_READING_BATCH'; message: string } };

/** A readings-topic message as consumers see it: JSON, then the schema; errors name the field. */
export function decodeReadingBatch(text: string): DecodedBatch {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: { code: 'BAD_JSON', message: (err as Error).message } };
  }
  if (isExactReadingBatch(json)) return { ok: true, batch: json };
  const parsed = ReadingBatch.safeParse(json);
  if (parsed.success) return { ok: true, batch: parsed.data };
  return { ok: false, error: { code: 'BAD_READING_BATCH', message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
}
