import { formatDataTime, type DataFlag } from '@offsite/domain';
import { factorSpec, writeValue, type FactorSpec } from './factors.js';
import type { Row } from './models/row.js';

/** One uplink data record before framing: CN, DataTime (logger clock) and CP items in order. */
export interface DataRecord {
  cn: '2011' | '2051' | '2061' | '2031';
  /** Epoch ms on the logger's clock (what DataTime says). */
  dataTime: number;
  items: Array<[string, string]>;
}

export const MINUTE_WINDOW_MS = 10 * 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Real-time record (CN 2011) of one row: Rtd, ZsRtd, Flag, SampleTime as the logger writes them. */
export function realtimeRecord(row: Row, clockTime: number, codes: readonly string[], utcOffsetMinutes: number): DataRecord {
  const items: Array<[string, string]> = [['DataTime', formatDataTime(clockTime, false, utcOffsetMinutes)]];
  for (const code of codes) {
    const cell = row.cells[code];
    if (!cell) continue;
    const f = factorSpec(code);
    items.push([`${code}-Rtd`, writeValue(cell.value, f.precision)]);
    if (cell.zs !== undefined) items.push([`${code}-ZsRtd`, writeValue(cell.zs, f.precision)]);
    if (cell.sampleTime !== undefined) items.push([`${code}-SampleTime`, formatDataTime(cell.sampleTime, false, utcOffsetMinutes)]);
    items.push([`${code}-Flag`, cell.flag]);
  }
  return { cn: '2011', dataTime: clockTime, items };
}

interface Accumulator {
  n: number;
  nValid: number;
  sumAll: number;
  sumValid: number;
  minAll: number;
  maxAll: number;
  minValid: number;
  maxValid: number;
  zsN: number;
  zsSumAll: number;
  zsSumValid: number;
  zsNValid: number;
  cou: number;
  flags: Map<DataFlag, number>;
}

const newAcc = (): Accumulator => ({
  n: 0,
  nValid: 0,
  sumAll: 0,
  sumValid: 0,
  minAll: Infinity,
  maxAll: -Infinity,
  minValid: Infinity,
  maxValid: -Infinity,
  zsN: 0,
  zsSumAll: 0,
  zsSumValid: 0,
  zsNValid: 0,
  cou: 0,
  flags: new Map(),
});

/**
 * Aggregates real-time rows into one kind of interval record (minute / hour / day), on the
 * logger's own clock. A window is valid (flag N) with at least `validShare` of its expected
 * samples valid; otherwise it carries the dominant invalid flag, or B when samples are missing.
 */
class WindowAggregator {
  private start: number | null = null;
  private accs = new Map<string, Accumulator>();
  private flowCode: string;
  private readonly specs: FactorSpec[];

  constructor(
    readonly cn: '2051' | '2061' | '2031',
    private readonly windowStart: (t: number) => number,
    private readonly windowLength: number,
    private readonly stepMs: number,
    private readonly validShare: number,
    private readonly codes: readonly string[],
    private readonly medium: 'air' | 'water',
    private readonly utcOffsetMinutes: number,
  ) {
    this.flowCode = medium === 'air' ? 'a00000' : 'w00000';
    this.specs = codes.map((c) => factorSpec(c));
  }

  /** Close the open window if the clock has reached its end. */
  closeDue(clockTime: number): DataRecord | null {
    if (this.start === null || clockTime < this.start + this.windowLength) return null;
    return this.close();
  }

  add(row: Row, clockTime: number): DataRecord | null {
    const ws = this.windowStart(clockTime);
    // A clock set backwards reopens an earlier window: close the current one first.
    const closed = this.start !== null && ws !== this.start ? this.close() : null;
    if (this.start === null) this.start = ws;
    const flow = row.cells[this.flowCode]?.value ?? 0;
    // Volume in the step: air m³ (m³/s), water litres (L/s).
    const volume = (flow * this.stepMs) / 1000;
    for (const spec of this.specs) {
      const code = spec.code;
      const cell = row.cells[code];
      if (!cell) continue;
      let a = this.accs.get(code);
      if (!a) {
        a = newAcc();
        this.accs.set(code, a);
      }
      const valid = cell.flag === 'N';
      a.n++;
      a.sumAll += cell.value;
      a.minAll = Math.min(a.minAll, cell.value);
      a.maxAll = Math.max(a.maxAll, cell.value);
      if (valid) {
        a.nValid++;
        a.sumValid += cell.value;
        a.minValid = Math.min(a.minValid, cell.value);
        a.maxValid = Math.max(a.maxValid, cell.value);
      }
      if (cell.zs !== undefined) {
        a.zsN++;
        a.zsSumAll += cell.zs;
        if (valid) {
          a.zsNValid++;
          a.zsSumValid += cell.zs;
        }
      }
      a.flags.set(cell.flag, (a.flags.get(cell.flag) ?? 0) + 1);
      if (spec.cou === 'mass') a.cou += (cell.value * volume) / 1e6; // mg/m³·m³ or mg/L·L → kg
      else if (spec.cou === 'volume') a.cou += this.medium === 'air' ? volume : volume / 1000; // m³
    }
    return closed;
  }

  private close(): DataRecord {
    const start = this.start as number;
    const expected = this.windowLength / this.stepMs;
    const items: Array<[string, string]> = [['DataTime', formatDataTime(start, false, this.utcOffsetMinutes)]];
    for (const code of this.codes) {
      const a = this.accs.get(code);
      if (!a) continue;
      items.push(...aggregateItems(code, factorSpec(code), a, expected, this.validShare, this.medium));
    }
    this.start = null;
    this.accs = new Map();
    return { cn: this.cn, dataTime: start, items };
  }
}

function aggregateItems(code: string, f: FactorSpec, a: Accumulator, expected: number, validShare: number, medium: 'air' | 'water'): Array<[string, string]> {
  const valid = a.nValid >= validShare * expected;
  let flag: DataFlag = 'N';
  if (!valid) {
    let best: DataFlag | null = null;
    let bestN = 0;
    for (const [fl, n] of a.flags) if (fl !== 'N' && n > bestN) [best, bestN] = [fl, n];
    flag = best ?? 'B';
  }
  const useValid = valid && a.nValid > 0;
  const avg = useValid ? a.sumValid / a.nValid : a.sumAll / a.n;
  const min = useValid ? a.minValid : a.minAll;
  const max = useValid ? a.maxValid : a.maxAll;
  const out: Array<[string, string]> = [
    [`${code}-Avg`, writeValue(avg, f.precision)],
    [`${code}-Min`, writeValue(min, f.precision)],
    [`${code}-Max`, writeValue(max, f.precision)],
  ];
  if (a.zsN > 0) {
    const zs = useValid && a.zsNValid > 0 ? a.zsSumValid / a.zsNValid : a.zsSumAll / a.zsN;
    out.push([`${code}-ZsAvg`, writeValue(zs, f.precision)]);
  }
  if (f.cou === 'mass') out.push([`${code}-Cou`, writeValue(a.cou, 3)]);
  else if (f.cou === 'volume') out.push([`${code}-Cou`, writeValue(a.cou, medium === 'air' ? 1 : 2)]);
  out.push([`${code}-Flag`, flag]);
  return out;
}

/** The logger's interval data: minute (10 min, CN 2051), hour (2061) and day (2031) records. */
export class IntervalAggregators {
  private readonly aggs: WindowAggregator[];

  constructor(codes: readonly string[], medium: 'air' | 'water', stepMs: number, utcOffsetMinutes: number) {
    const off = utcOffsetMinutes * 60_000;
    const floorTo = (size: number) => (t: number) => Math.floor((t + off) / size) * size - off;
    this.aggs = [
      new WindowAggregator('2051', floorTo(MINUTE_WINDOW_MS), MINUTE_WINDOW_MS, stepMs, 0.75, codes, medium, utcOffsetMinutes),
      new WindowAggregator('2061', floorTo(HOUR), HOUR, stepMs, 0.75, codes, medium, utcOffsetMinutes),
      // A day is valid with at least 20 valid hours.
      new WindowAggregator('2031', floorTo(DAY), DAY, stepMs, 20 / 24, codes, medium, utcOffsetMinutes),
    ];
  }

  /** Records whose window the clock has passed (call before `add`, and once at the end). */
  closeDue(clockTime: number): DataRecord[] {
    const out: DataRecord[] = [];
    for (const a of this.aggs) {
      const r = a.closeDue(clockTime);
      if (r) out.push(r);
    }
    return out;
  }

  add(row: Row, clockTime: number): DataRecord[] {
    const out: DataRecord[] = [];
    for (const a of this.aggs) {
      const r = a.add(row, clockTime);
      if (r) out.push(r);
    }
    return out;
  }
}
