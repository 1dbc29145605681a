import type { CpItem } from './cp.js';
import { newEntry, setParam, type CpData, type NumericText, type PollutantData } from './data.js';
import { Hj212Error, type Hj212Warning } from './errors.js';
import { parseDecimal } from './numbers.js';

const DASH = 0x2d;
/** Up to this many factors a linear search beats a Map. */
const LINEAR_LOOKUP_MAX = 16;

/**
 * A text of at most PACK_MAX chars, each in 1..127, packed as base-128 digits: an exact integer
 * (< 2^53) that differs for every different text. Comparing these numbers replaces re-reading the
 * chars of factor codes and suffixes, which dominated the scan.
 */
const PACK_MAX = 7;
const NOT_PACKED = -1;
function pack(text: string): number {
  return packAt(text, 0, text.length);
}
/** pack(text[start..end)), or NOT_PACKED when it is too long or has a char outside 1..127. */
function packAt(text: string, start: number, end: number): number {
  if (end - start > PACK_MAX) return NOT_PACKED;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0 || c > 0x7f) return NOT_PACKED;
    n = n * 128 + c;
  }
  return n;
}
const RTD = pack('Rtd');
const FLAG = pack('Flag');
const ZS_RTD = pack('ZsRtd');
const AVG = pack('Avg');
const ZS_AVG = pack('ZsAvg');
const MIN = pack('Min');
const MAX = pack('Max');
const COU = pack('Cou');
const ZS_MIN = pack('ZsMin');
const ZS_MAX = pack('ZsMax');
const E_FLAG = pack('EFlag');
const INFO = pack('Info');

export interface ScannedCp {
  items: CpItem[];
  data: CpData;
}

/**
 * The hot path: splits a CP body into lossless items and builds the typed view in one pass.
 * Same result as parseCpBody + interpretCp.
 */
export function scanCp(body: string, warnings: Hj212Warning[]): ScannedCp {
  return scanCpRange(body, 0, body.length, warnings);
}

/**
 * {@link scanCp} over text[from..to), so the caller need not slice the body out first.
 * Separators are found with indexOf (much faster than a char loop); only keys are walked.
 */
export function scanCpRange(text: string, from: number, to: number, warnings: Hj212Warning[]): ScannedCp {
  const items: CpItem[] = [];
  const data: CpData = { dataTime: null, pollutants: [], params: {} };
  if (to <= from) return { items, data };
  const factors = new FactorIndex(data.pollutants);
  let duplicates: string[] | null = null;
  let emptyItems = 0;
  let group = 0;
  let start = from;
  let semi = nextIndex(text, ';', from, to);
  let comma = nextIndex(text, ',', from, to);
  for (;;) {
    const end = semi < comma ? semi : comma;
    if (end === start) emptyItems++;
    else {
      // The key ends at the item's first '='; a factor code ends at the key's last '-'.
      let eq = text.indexOf('=', start);
      if (eq < 0 || eq > end) eq = end;
      let dash = eq - 1;
      while (dash > start && text.charCodeAt(dash) !== DASH) dash--;
      if (eq === end) throw new Hj212Error('BAD_CP', `CP item "${clip(text.slice(start, end))}" has no "="`, text.slice(start, end));
      if (eq === start) throw new Hj212Error('BAD_CP', `CP item "${clip(text.slice(start, end))}" has an empty key`, text.slice(start, end));
      const key = text.slice(start, eq);
      const value = text.slice(eq + 1, end);
      items.push({ key, value, group });
      if (dash > start) {
        // Code and suffix as numbers (see packAt): comparing those is cheaper than re-reading chars.
        const entry = factors.entryFor(text, start, dash, packAt(text, start, dash));
        if (!setField(entry, packAt(text, dash + 1, eq), text, dash + 1, eq, value)) (duplicates ??= []).push(key);
      } else if (!setParam(data, key, value, warnings)) (duplicates ??= []).push(key);
    }
    if (end === to) break;
    start = end + 1;
    if (end === semi) {
      group++;
      semi = nextIndex(text, ';', start, to);
    } else comma = nextIndex(text, ',', start, to);
  }
  if (emptyItems > 0) warnings.push({ code: 'EMPTY_ITEM', message: `${emptyItems} empty CP item(s) (stray ";" or ",") ignored` });
  if (duplicates) warnings.push({ code: 'DUPLICATE_KEY', message: `repeated CP key(s): ${duplicates.slice(0, 5).join(', ')}; the first value is kept` });
  return { items, data };
}

/** Index of `char` in text[from..to), or `to`. */
function nextIndex(text: string, char: string, from: number, to: number): number {
  const at = text.indexOf(char, from);
  return at < 0 || at > to ? to : at;
}

/**
 * Factor entries by written code. A code is identified by its packed number when it has one,
 * else by its text. Keys of one factor are usually consecutive, so the last entry is tried first;
 * then a linear search, then (for packets with many factors) a Map.
 */
class FactorIndex {
  private last: PollutantData | null = null;
  private lastId: number | string = NOT_PACKED;
  private readonly ids: Array<number | string> = [];
  private byId: Map<number | string, PollutantData> | null = null;

  constructor(private readonly entries: PollutantData[]) {}

  /** The entry for code text[start..end) (`packed` is its pack() value or NOT_PACKED). */
  entryFor(text: string, start: number, end: number, packed: number): PollutantData {
    const id = packed === NOT_PACKED ? text.slice(start, end) : packed;
    if (this.last !== null && this.lastId === id) return this.last;
    let entry: PollutantData | undefined;
    if (this.byId !== null) entry = this.byId.get(id);
    else {
      const ids = this.ids;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === id) {
          entry = this.entries[i];
          break;
        }
      }
    }
    if (entry === undefined) {
      entry = newEntry(typeof id === 'string' ? id : text.slice(start, end), undefined);
      this.entries.push(entry);
      this.ids.push(id);
      if (this.byId !== null) this.byId.set(id, entry);
      else if (this.ids.length > LINEAR_LOOKUP_MAX) this.byId = new Map(this.ids.map((k, i) => [k, this.entries[i] as PollutantData]));
    }
    this.last = entry;
    this.lastId = id;
    return entry;
  }
}

/** text[start..end) === s, without slicing. */
function sameText(text: string, start: number, end: number, s: string): boolean {
  if (s.length !== end - start) return false;
  for (let i = 0; i < s.length; i++) if (text.charCodeAt(start + i) !== s.charCodeAt(i)) return false;
  return true;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function numeric(text: string): NumericText {
  return { text, value: parseDecimal(text) };
}

/** Stores the value of suffix text[s..e) (`suffix` is its pack() value or NOT_PACKED); false when that suffix was already set (a repeated key). */
function setField(entry: PollutantData, suffix: number, text: string, s: number, e: number, value: string): boolean {
  // Most frequent first.
  if (suffix === RTD) return entry.rtd === undefined ? ((entry.rtd = numeric(value)), true) : false;
  if (suffix === FLAG) return entry.flag === undefined ? ((entry.flag = value), true) : false;
  if (suffix === ZS_RTD) return entry.zsRtd === undefined ? ((entry.zsRtd = numeric(value)), true) : false;
  if (suffix === AVG) return entry.avg === undefined ? ((entry.avg = numeric(value)), true) : false;
  if (suffix === ZS_AVG) return entry.zsAvg === undefined ? ((entry.zsAvg = numeric(value)), true) : false;
  if (suffix === MIN) return entry.min === undefined ? ((entry.min = numeric(value)), true) : false;
  if (suffix === MAX) return entry.max === undefined ? ((entry.max = numeric(value)), true) : false;
  if (suffix === COU) return entry.cou === undefined ? ((entry.cou = numeric(value)), true) : false;
  if (suffix === ZS_MIN) return entry.zsMin === undefined ? ((entry.zsMin = numeric(value)), true) : false;
  if (suffix === ZS_MAX) return entry.zsMax === undefined ? ((entry.zsMax = numeric(value)), true) : false;
  if (suffix === E_FLAG) return entry.eFlag === undefined ? ((entry.eFlag = value), true) : false;
  if (suffix === INFO) return entry.info === undefined ? ((entry.info = value), true) : false;
  if (suffix === NOT_PACKED && sameText(text, s, e, 'SampleTime')) {
    return entry.sampleTime === undefined ? ((entry.sampleTime = value), true) : false;
  }
  const name = text.slice(s, e);
  const extra = (entry.extra ??= {});
  if (Object.hasOwn(extra, name)) return false;
  extra[name] = value;
  return true;
}
