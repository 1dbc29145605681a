import { DataFlag } from '@offsite/domain';
import type { FactorValue, RecentWindow } from '../types.js';
import { writtenDecimals } from '../stats.js';
import { fromB64, toB64 } from './codec.js';

const FLAGS = DataFlag.options;
/** 0 = factor absent at this sample, 1 = no flag written (read as N), 2.. = N,F,M,S,D,C,T,B. */
function encodeFlag(present: boolean, flag: DataFlag | null): number {
  if (!present) return 0;
  return flag === null ? 1 : 2 + FLAGS.indexOf(flag);
}

interface Column {
  v: Float64Array;
  conv: Float32Array | null;
  flag: Uint8Array;
  dec: Int8Array;
}

export interface RingJSON {
  cap: number;
  head: number;
  count: number;
  times: string;
  cols: Record<string, { v: string; conv: string | null; flag: string; dec: string }>;
}

/**
 * The last `cap` in-order samples of one device in typed arrays: time, and per factor the value,
 * converted value (pollutants only), flag and written decimals (text is rebuilt from value + decimals).
 */
export class SampleRing implements RecentWindow {
  private head = 0;
  private count = 0;
  private readonly times: Float64Array;
  private readonly cols = new Map<string, Column>();

  constructor(
    readonly cap: number,
    readonly maxColumns = 24,
  ) {
    this.times = new Float64Array(cap);
  }

  size(): number {
    return this.count;
  }

  private idx(i: number): number {
    return (this.head - this.count + i + this.cap * 2) % this.cap;
  }

  time(i: number): number {
    return this.times[this.idx(i)]!;
  }
  last(): number {
    return this.count ? this.time(this.count - 1) : Number.NEGATIVE_INFINITY;
  }
  has(code: string): boolean {
    return this.cols.has(code);
  }
  value(code: string, i: number): number {
    const c = this.cols.get(code);
    return c ? c.v[this.idx(i)]! : Number.NaN;
  }
  converted(code: string, i: number): number {
    const c = this.cols.get(code);
    if (!c) return Number.NaN;
    return c.conv ? c.conv[this.idx(i)]! : c.v[this.idx(i)]!;
  }
  flag(code: string, i: number): DataFlag | null {
    const c = this.cols.get(code);
    const f = c ? c.flag[this.idx(i)]! : 0;
    return f >= 2 ? FLAGS[f - 2]! : null;
  }
  present(code: string, i: number): boolean {
    const c = this.cols.get(code);
    return c ? c.flag[this.idx(i)]! !== 0 : false;
  }
  decimals(code: string, i: number): number {
    const c = this.cols.get(code);
    return c ? c.dec[this.idx(i)]! : -1;
  }
  text(code: string, i: number): string | null {
    const v = this.value(code, i);
    if (!Number.isFinite(v)) return null;
    const d = this.decimals(code, i);
    return d >= 0 && d <= 20 ? v.toFixed(d) : String(v);
  }

  /** Append a sample (must be newer than the last one). `convertedOf` gives a pollutant's compared value. */
  push(t: number, factors: ReadonlyMap<string, FactorValue>, convertedOf: (code: string) => number | null): void {
    const slot = this.head;
    this.times[slot] = t;
    for (const c of this.cols.values()) {
      c.flag[slot] = 0;
      c.v[slot] = Number.NaN;
      if (c.conv) c.conv[slot] = Number.NaN;
    }
    for (const [code, f] of factors) {
      let col = this.cols.get(code);
      if (!col) {
        if (this.cols.size >= this.maxColumns) continue;
        const conv = convertedOf(code);
        col = {
          v: new Float64Array(this.cap).fill(Number.NaN),
          conv: conv === null ? null : new Float32Array(this.cap).fill(Number.NaN),
          flag: new Uint8Array(this.cap),
          dec: new Int8Array(this.cap).fill(-1),
        };
        this.cols.set(code, col);
      }
      col.v[slot] = f.value;
      col.flag[slot] = encodeFlag(true, f.flag);
      col.dec[slot] = Math.max(-1, Math.min(120, writtenDecimals(f.text)));
      if (col.conv) col.conv[slot] = convertedOf(code) ?? Number.NaN;
    }
    this.head = (this.head + 1) % this.cap;
    if (this.count < this.cap) this.count++;
  }

  toJSON(): RingJSON {
    const cols: RingJSON['cols'] = {};
    for (const [code, c] of this.cols) cols[code] = { v: toB64(c.v), conv: c.conv ? toB64(c.conv) : null, flag: toB64(c.flag), dec: toB64(c.dec) };
    return { cap: this.cap, head: this.head, count: this.count, times: toB64(this.times), cols };
  }

  static fromJSON(j: RingJSON, maxColumns = 24): SampleRing {
    const r = new SampleRing(j.cap, maxColumns);
    r.head = j.head;
    r.count = j.count;
    r.times.set(fromB64(j.times, Float64Array));
    for (const [code, c] of Object.entries(j.cols)) {
      r.cols.set(code, {
        v: fromB64(c.v, Float64Array),
        conv: c.conv ? fromB64(c.conv, Float32Array) : null,
        flag: fromB64(c.flag, Uint8Array),
        dec: fromB64(c.dec, Int8Array),
      });
    }
    return r;
  }
}
