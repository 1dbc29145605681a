import { DataFlag } from './flags.js';
import type { ReadingBatch } from './reading.js';

/**
 * A hand-written check of the ReadingBatch schema for the hot path: every consumer of the
 * readings topic decodes every message, and zod's parse (which also copies the object) was the
 * largest cost of the archive after the database. It answers true only for a batch the schema
 * accepts AND would return unchanged (no unknown keys anywhere), so the parsed JSON itself can be
 * used; anything else goes through zod, which strips unknown keys or names what is wrong. A
 * property test holds the two to that promise.
 */
const FLAGS: ReadonlySet<unknown> = new Set(DataFlag.options);
const KINDS: ReadonlySet<unknown> = new Set(['rtd', 'minute', 'hour', 'day']);
const PROTOCOLS: ReadonlySet<unknown> = new Set(['2017', '2005']);
const SOURCES: ReadonlySet<unknown> = new Set(['mqtt', 'tcp', 'json', 'replay']);
const BATCH_KEYS: ReadonlySet<string> = new Set(['mn', 'st', 'cn', 'kind', 'qn', 'dataTime', 'receivedAt', 'protocol', 'source', 'readings']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumOrNull = (v: unknown) => v === null || typeof v === 'number';
const isOptNumOrNull = (v: unknown) => v === undefined || v === null || typeof v === 'number';

function isExactReading(r: unknown): boolean {
  if (!isObject(r)) return false;
  let known = 0;
  for (const key in r) {
    const v = r[key];
    switch (key) {
      case 'code':
        if (typeof v !== 'string' || v.length === 0) return false;
        break;
      case 'originalCode':
        if (typeof v !== 'string') return false;
        break;
      case 'value':
        if (!isNumOrNull(v)) return false;
        break;
      case 'text':
        if (v !== null && typeof v !== 'string') return false;
        break;
      case 'converted':
      case 'min':
      case 'max':
      case 'cou':
      case 'sampleTime':
        if (!isOptNumOrNull(v)) return false;
        break;
      case 'flag':
        if (v !== null && !FLAGS.has(v)) return false;
        break;
      case 'eflag':
        if (v !== null && typeof v !== 'string') return false;
        break;
      case 'extra':
        if (!isObject(v)) return false;
        for (const k in v) if (typeof v[k] !== 'string') return false;
        break;
      default:
        return false; // unknown key: zod would strip it
    }
    known++;
  }
  // Required keys (present, even if null): code, value, text, flag.
  return known >= 4 && 'code' in r && 'value' in r && 'text' in r && 'flag' in r;
}

export function isExactReadingBatch(b: unknown): b is ReadingBatch {
  if (!isObject(b)) return false;
  let keys = 0;
  for (const key in b) {
    if (!BATCH_KEYS.has(key)) return false;
    keys++;
  }
  if (keys !== BATCH_KEYS.size) return false;
  if (typeof b.mn !== 'string' || b.mn.length === 0 || typeof b.st !== 'string' || typeof b.cn !== 'string') return false;
  if (!KINDS.has(b.kind) || !PROTOCOLS.has(b.protocol) || !SOURCES.has(b.source)) return false;
  if (b.qn !== null && typeof b.qn !== 'string') return false;
  if (!Number.isSafeInteger(b.dataTime) || !Number.isSafeInteger(b.receivedAt)) return false;
  const readings = b.readings;
  if (!Array.isArray(readings)) return false;
  for (const r of readings) if (!isExactReading(r)) return false;
  return true;
}
