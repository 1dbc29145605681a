import type { CpItem } from './cp.js';
import { newEntry, setParam, type CpData, type NumericText, type PollutantData } from './data.js';
import { Hj212Error, type Hj212Warning } from './errors.js';
import { parseDecimal } from './numbers.js';

const SEMI = 0x3b;
const COMMA = 0x2c;
const EQ = 0x3d;
const DASH = 0x2d;

const numeric = (text: string): NumericText => ({ text, value: parseDecimal(text) });

/**
 * The hot path: splits a CP body into lossless items and builds the typed view in one pass,
 * without slicing suffixes or re-slicing a factor code that repeats (keys of one factor are
 * consecutive). Same result as parseCpBody + interpretCp.
 */
export function scanCp(body: string, warnings: Hj212Warning[]): { items: CpItem[]; data: CpData } {
  const items: CpItem[] = [];
  const data: CpData = { dataTime: null, pollutants: [], params: {} };
  let byCode: Map<string, PollutantData> | null = null;
  let last: PollutantData | null = null;
  let lastWritten = '';
  let duplicates: string[] | null = null;
  const n = body.length;
  if (n === 0) return { items, data };
  let group = 0;
  let start = 0;
  let eq = -1;
  let dash = -1;
  let emptyItems = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? SEMI : body.charCodeAt(i);
    if (c === EQ) {
      if (eq < 0) eq = i;
      continue;
    }
    if (c === DASH) {
      if (eq < 0) dash = i;
      continue;
    }
    if (c !== SEMI && c !== COMMA) continue;
    if (i === start) emptyItems++;
    else {
      if (eq < 0) throw new Hj212Error('BAD_CP', `CP item "${clip(body.slice(start, i))}" has no "="`, body.slice(start, i));
      if (eq === start) throw new Hj212Error('BAD_CP', `CP item "${clip(body.slice(start, i))}" has an empty key`, body.slice(start, i));
      const key = body.slice(start, eq);
      const value = body.slice(eq + 1, i);
      items.push({ key, value, group });
      if (dash > start) {
        let entry: PollutantData | undefined;
        if (last !== null && lastWritten.length === dash - start && body.startsWith(lastWritten, start)) entry = last;
        else {
          const written = body.slice(start, dash);
          byCode ??= new Map();
          entry = byCode.get(written);
          if (entry === undefined) {
            entry = newEntry(written, undefined);
            byCode.set(written, entry);
            data.pollutants.push(entry);
          }
          last = entry;
          lastWritten = written;
        }
        if (!setFieldAt(entry, body, dash + 1, eq, value)) (duplicates ??= []).push(key);
      } else if (!setParam(data, key, value, warnings)) (duplicates ??= []).push(key);
    }
    if (c === SEMI) group++;
    start = i + 1;
    eq = -1;
    dash = -1;
  }
  if (emptyItems > 0) warnings.push({ code: 'EMPTY_ITEM', message: `${emptyItems} empty CP item(s) (stray ";" or ",") ignored` });
  if (duplicates) warnings.push({ code: 'DUPLICATE_KEY', message: `repeated CP key(s): ${duplicates.slice(0, 5).join(', ')}; the first value is kept` });
  return { items, data };
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** Stores body[s..e) suffix's value; false when that suffix was already set (a repeated key). */
function setFieldAt(entry: PollutantData, body: string, s: number, e: number, value: string): boolean {
  switch (e - s) {
    case 3:
      if (body.startsWith('Rtd', s)) return entry.rtd === undefined ? ((entry.rtd = numeric(value)), true) : false;
      if (body.startsWith('Avg', s)) return entry.avg === undefined ? ((entry.avg = numeric(value)), true) : false;
      if (body.startsWith('Min', s)) return entry.min === undefined ? ((entry.min = numeric(value)), true) : false;
      if (body.startsWith('Max', s)) return entry.max === undefined ? ((entry.max = numeric(value)), true) : false;
      if (body.startsWith('Cou', s)) return entry.cou === undefined ? ((entry.cou = numeric(value)), true) : false;
      break;
    case 4:
      if (body.startsWith('Flag', s)) return entry.flag === undefined ? ((entry.flag = value), true) : false;
      if (body.startsWith('Info', s)) return entry.info === undefined ? ((entry.info = value), true) : false;
      break;
    case 5:
      if (body.startsWith('ZsRtd', s)) return entry.zsRtd === undefined ? ((entry.zsRtd = numeric(value)), true) : false;
      if (body.startsWith('ZsAvg', s)) return entry.zsAvg === undefined ? ((entry.zsAvg = numeric(value)), true) : false;
      if (body.startsWith('ZsMin', s)) return entry.zsMin === undefined ? ((entry.zsMin = numeric(value)), true) : false;
      if (body.startsWith('ZsMax', s)) return entry.zsMax === undefined ? ((entry.zsMax = numeric(value)), true) : false;
      if (body.startsWith('EFlag', s)) return entry.eFlag === undefined ? ((entry.eFlag = value), true) : false;
      break;
    case 10:
      if (body.startsWith('SampleTime', s)) return entry.sampleTime === undefined ? ((entry.sampleTime = value), true) : false;
      break;
  }
  const suffix = body.slice(s, e);
  const extra = (entry.extra ??= {});
  if (Object.hasOwn(extra, suffix)) return false;
  extra[suffix] = value;
  return true;
}
