import { z } from 'zod';
import { dataKindByCn, parseDataTime, Reading, type ReadingBatch } from '@offsite/domain';

/**
 * Payload of `hj212json/{MN}/up`: a gateway that already decodes HJ 212 sends one packet's
 * readings as JSON. Ingest adds receivedAt and source; dataTime may be epoch ms or HJ 212 local
 * text (`YYYYMMDDhhmmss`, UTC+8). Unknown top-level keys are refused so typos surface.
 */
export const JsonUpload = z.strictObject({
  mn: z.string().min(1).max(24),
  st: z.string().regex(/^\d{2}$/, 'ST is 2 digits').default('31'),
  cn: z.enum(['2011', '2051', '2061', '2031']),
  qn: z.string().regex(/^\d{17}$/, 'QN is YYYYMMDDhhmmsszzz').nullable().optional(),
  dataTime: z.union([z.number().int().positive(), z.string().regex(/^\d{14}$/, 'DataTime text is YYYYMMDDhhmmss')]),
  protocol: z.enum(['2017', '2005']).default('2017'),
  readings: z.array(Reading).min(1, 'at least one reading'),
});
export type JsonUpload = z.infer<typeof JsonUpload>;

export class JsonUploadError extends Error {
  constructor(
    readonly code: 'BAD_JSON' | 'BAD_SCHEMA' | 'BAD_DATATIME',
    message: string,
  ) {
    super(message);
    this.name = 'JsonUploadError';
  }
}

/** Text → ReadingBatch, or a JsonUploadError naming what was wrong. */
export function parseJsonUpload(text: string, receivedAt: number): ReadingBatch {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new JsonUploadError('BAD_JSON', `payload is not JSON: ${(err as Error).message}`);
  }
  const parsed = JsonUpload.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new JsonUploadError('BAD_SCHEMA', `payload does not match the hj212json schema: ${issues.join('; ')}`);
  }
  const u = parsed.data;
  const dataTime = typeof u.dataTime === 'number' ? u.dataTime : parseDataTime(u.dataTime);
  if (dataTime === null) throw new JsonUploadError('BAD_DATATIME', `dataTime "${String(u.dataTime)}" is not a real instant`);
  const kind = dataKindByCn[u.cn];
  if (!kind) throw new JsonUploadError('BAD_SCHEMA', `cn ${u.cn} is not a data command`);
  return { mn: u.mn, st: u.st, cn: u.cn, kind, qn: u.qn ?? null, dataTime, receivedAt, protocol: u.protocol, source: 'json', readings: u.readings };
}
