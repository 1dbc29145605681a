import { DataFlag, OPERATOR_FLAGS } from '@offsite/domain';
import { HOUR_MS, type HourHistory, type HourView } from '../types.js';
import { fromB64, toB64 } from './codec.js';

const FLAGS = DataFlag.options;

/** Running sums of one factor over one hour (real-time / minute samples), plus an hourly packet. */
export interface FactorHourAcc {
  n: number;
  nValid: number;
  /** Valid samples with a computable compared (converted) value. */
  nConv: number;
  sumConv: number;
  sumRaw: number;
  sumSqRaw: number;
  minRaw: number;
  maxRaw: number;
  /** Compared value of every non-F sample (for would-be breaches under operator flags). */
  nAll: number;
  sumAll: number;
  flagCounts: number[];
  reported: { value: number; flag: DataFlag | null } | null;
}

export interface HourSlot {
  hour: number;
  evaluated: boolean;
  dirty: boolean;
  factors: Record<string, FactorHourAcc>;
}

export function newAcc(): FactorHourAcc {
  return { n: 0, nValid: 0, nConv: 0, sumConv: 0, sumRaw: 0, sumSqRaw: 0, minRaw: Number.POSITIVE_INFINITY, maxRaw: Number.NEGATIVE_INFINITY, nAll: 0, sumAll: 0, flagCounts: new Array<number>(FLAGS.length).fill(0), reported: null };
}

export function addSample(acc: FactorHourAcc, raw: number, compared: number, flag: DataFlag | null): void {
  if (!Number.isFinite(raw)) return;
  acc.n++;
  const f = flag ?? 'N';
  acc.flagCounts[FLAGS.indexOf(f)]!++;
  // Would-be value under operator flags: calibration (C) readings are the reference, not the process.
  if (f !== 'F' && f !== 'C' && Number.isFinite(compared)) {
    acc.nAll++;
    acc.sumAll += compared;
  }
  if (f !== 'N') return;
  acc.nValid++;
  acc.sumRaw += raw;
  acc.sumSqRaw += raw * raw;
  if (raw < acc.minRaw) acc.minRaw = raw;
  if (raw > acc.maxRaw) acc.maxRaw = raw;
  if (Number.isFinite(compared)) {
    acc.nConv++;
    acc.sumConv += compared;
  }
}

/** Close one factor's hour into a HourView. `expected` = expected samples per hour (NaN unknown). */
export function summarise(hour: number, acc: FactorHourAcc, expected: number, validShareNeeded: number): HourView {
  if (acc.reported) {
    const f = acc.reported.flag ?? 'N';
    const valid = f === 'N' && Number.isFinite(acc.reported.value);
    const cv = acc.nValid >= 3 && acc.sumRaw > 0 ? cvOf(acc) : Number.NaN;
    return {
      hour, value: acc.reported.value, cv, hasData: true, valid, operatorFlagged: OPERATOR_FLAGS.has(f), flag: valid ? null : f,
      constant: acc.nValid >= 2 && acc.minRaw === acc.maxRaw, notRunning: f === 'F', validShare: valid ? 1 : 0,
    };
  }
  let dominant = -1;
  let best = 0;
  let op = 0;
  acc.flagCounts.forEach((c, i) => {
    const fl = FLAGS[i]!;
    if (fl !== 'N' && c > best) {
      best = c;
      dominant = i;
    }
    if (OPERATOR_FLAGS.has(fl)) op += c;
  });
  const denom = Number.isFinite(expected) && expected > 0 ? expected : Math.max(acc.n, 1);
  const validShare = Math.min(1, acc.nConv / denom);
  const nF = acc.flagCounts[FLAGS.indexOf('F')]!;
  const notRunning = nF * 2 > acc.n || (acc.nValid > 0 && acc.nConv === 0);
  const valid = validShare >= validShareNeeded && !notRunning && acc.nConv > 0;
  const value = acc.nConv > 0 ? acc.sumConv / acc.nConv : acc.nAll > 0 ? acc.sumAll / acc.nAll : Number.NaN;
  return {
    hour, value, cv: acc.nValid >= 3 ? cvOf(acc) : Number.NaN, hasData: acc.n > 0, valid,
    operatorFlagged: op * 2 > acc.n, flag: valid ? null : dominant >= 0 ? FLAGS[dominant]! : 'N',
    constant: acc.nValid >= 2 && acc.minRaw === acc.maxRaw, notRunning, validShare,
  };
}

function cvOf(acc: FactorHourAcc): number {
  const mean = acc.sumRaw / acc.nValid;
  if (!(mean > 0)) return Number.NaN;
  const variance = Math.max(0, (acc.sumSqRaw - acc.nValid * mean * mean) / (acc.nValid - 1));
  return Math.sqrt(variance) / mean;
}

const BIT_DATA = 1, BIT_VALID = 2, BIT_OP = 4, BIT_CONST = 8, BIT_OFF = 16;

interface HourColumn {
  value: Float32Array;
  /** CV × 10 000 (65 535 = unknown). */
  cv: Uint16Array;
  bits: Uint8Array;
  flag: Uint8Array;
}

const CV_UNKNOWN = 65535;
const encodeCv = (cv: number) => (Number.isFinite(cv) ? Math.min(CV_UNKNOWN - 1, Math.round(cv * 10_000)) : CV_UNKNOWN);
const decodeCv = (x: number) => (x === CV_UNKNOWN ? Number.NaN : x / 10_000);

/** 14 days of closed hours for the factors that need history, in typed arrays. */
export class HourlyStore implements HourHistory {
  private readonly tag: Int32Array;
  private readonly cols = new Map<string, HourColumn>();
  constructor(readonly cap = 336) {
    this.tag = new Int32Array(cap).fill(-1);
  }
  private slotOf(hour: number): number {
    const idx = Math.floor(hour / HOUR_MS);
    return ((idx % this.cap) + this.cap) % this.cap;
  }
  get(code: string, hour: number): HourView | null {
    const c = this.cols.get(code);
    if (!c) return null;
    const s = this.slotOf(hour);
    if (this.tag[s] !== Math.floor(hour / HOUR_MS)) return null;
    const bits = c.bits[s]!;
    if (!(bits & BIT_DATA)) return null;
    const f = c.flag[s]!;
    return {
      hour, value: c.value[s]!, cv: decodeCv(c.cv[s]!), hasData: true, valid: (bits & BIT_VALID) !== 0, operatorFlagged: (bits & BIT_OP) !== 0,
      flag: f ? FLAGS[f - 1]! : null, constant: (bits & BIT_CONST) !== 0, notRunning: (bits & BIT_OFF) !== 0, validShare: (bits & BIT_VALID) !== 0 ? 1 : 0,
    };
  }
  put(code: string, v: HourView): void {
    const s = this.slotOf(v.hour);
    const idx = Math.floor(v.hour / HOUR_MS);
    if (this.tag[s] !== idx) {
      if (this.tag[s]! > idx) return; // older than what the slot holds: beyond history
      this.tag[s] = idx;
      for (const c of this.cols.values()) c.bits[s] = 0;
    }
    let c = this.cols.get(code);
    if (!c) {
      c = { value: new Float32Array(this.cap), cv: new Uint16Array(this.cap), bits: new Uint8Array(this.cap), flag: new Uint8Array(this.cap) };
      this.cols.set(code, c);
    }
    c.value[s] = v.value;
    c.cv[s] = encodeCv(v.cv);
    c.bits[s] = (v.hasData ? BIT_DATA : 0) | (v.valid ? BIT_VALID : 0) | (v.operatorFlagged ? BIT_OP : 0) | (v.constant ? BIT_CONST : 0) | (v.notRunning ? BIT_OFF : 0);
    c.flag[s] = v.flag ? FLAGS.indexOf(v.flag as DataFlag) + 1 : 0;
  }
  /** Valid values of `code` over the last `hours` up to `hour` (inclusive). */
  validValues(code: string, hour: number, hours: number): number[] {
    const out: number[] = [];
    for (let k = 0; k < hours; k++) {
      const v = this.get(code, hour - k * HOUR_MS);
      if (v && v.valid && Number.isFinite(v.value)) out.push(v.value);
    }
    return out;
  }
  toJSON() {
    const cols: Record<string, Record<keyof HourColumn, string>> = {};
    for (const [code, c] of this.cols) cols[code] = { value: toB64(c.value), cv: toB64(c.cv), bits: toB64(c.bits), flag: toB64(c.flag) };
    return { cap: this.cap, tag: toB64(this.tag), cols };
  }
  static fromJSON(j: ReturnType<HourlyStore['toJSON']>): HourlyStore {
    const h = new HourlyStore(j.cap);
    h.tag.set(fromB64(j.tag, Int32Array));
    for (const [code, c] of Object.entries(j.cols)) {
      h.cols.set(code, { value: fromB64(c.value, Float32Array), cv: fromB64(c.cv, Uint16Array), bits: fromB64(c.bits, Uint8Array), flag: fromB64(c.flag, Uint8Array) });
    }
    return h;
  }
}
