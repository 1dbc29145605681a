import type { RuleParams } from '../params.js';
import type { StepContext, StepResult } from '../types.js';
import { fmtNum, fmtTime, label } from '../context.js';
import { binomialUpperTail, chiSquarePValue, chiSquareUniform, medianOf } from '../stats.js';
import { fromB64, toB64 } from '../engine/codec.js';

/** Times are kept for every TIME_STRIDE-th slot only (the window start needs no finer grain). */
const TIME_STRIDE = 16;

/** Rolling window of last written digits of one pollutant (repeats of the previous value skipped). */
export class DigitWindow {
  readonly digits: Uint8Array;
  readonly values: Float32Array;
  /** Time (s) of the value in slot k × TIME_STRIDE. */
  readonly tsec: Uint32Array;
  head = 0;
  count = 0;
  sinceEval = 0;
  lastText: string | null = null;
  constructor(readonly cap: number) {
    this.digits = new Uint8Array(cap);
    this.values = new Float32Array(cap);
    this.tsec = new Uint32Array(Math.ceil(cap / TIME_STRIDE));
  }
  push(digit: number, value: number, t: number): void {
    this.digits[this.head] = digit;
    this.values[this.head] = value;
    if (this.head % TIME_STRIDE === 0) this.tsec[this.head / TIME_STRIDE] = Math.floor(t / 1000);
    this.head = (this.head + 1) % this.cap;
    if (this.count < this.cap) this.count++;
    this.sinceEval++;
  }
  /** Time of the oldest value whose time is kept (at most TIME_STRIDE − 1 values after the true oldest). */
  oldestT(): number {
    const oldest = (this.head - this.count + this.cap) % this.cap;
    const slot = (Math.ceil(oldest / TIME_STRIDE) * TIME_STRIDE) % this.cap;
    return this.tsec[slot / TIME_STRIDE]! * 1000;
  }
  toJSON() {
    return { cap: this.cap, head: this.head, count: this.count, sinceEval: this.sinceEval, lastText: this.lastText, digits: toB64(this.digits), values: toB64(this.values), tsec: toB64(this.tsec) };
  }
  static fromJSON(j: ReturnType<DigitWindow['toJSON']>): DigitWindow {
    const d = new DigitWindow(j.cap);
    Object.assign(d, { head: j.head, count: j.count, sinceEval: j.sinceEval, lastText: j.lastText });
    d.digits.set(fromB64(j.digits, Uint8Array));
    d.values.set(fromB64(j.values, Float32Array));
    const t = fromB64(j.tsec, Uint32Array);
    // Snapshots from before the strided times kept one time per value.
    if (t.length === d.tsec.length) d.tsec.set(t);
    else for (let k = 0; k < d.tsec.length; k++) d.tsec[k] = t[k * TIME_STRIDE] ?? 0;
    return d;
  }
}

/**
 * Median standard deviation of consecutive blocks of `block` values (chronological). The last digit
 * of a measured value is only uniform when the noise around the local level spans several written
 * quanta; a window's overall spread is inflated by level changes (a load change, a dilution
 * episode) that leave each level's narrow noise, and its digit bias, intact.
 */
export function localSpread(win: DigitWindow, block: number): number {
  const sds: number[] = [];
  const start = win.head - win.count + win.cap;
  for (let b = 0; b + block <= win.count; b += block) {
    let sum = 0, sumSq = 0;
    for (let k = b; k < b + block; k++) {
      const x = win.values[(start + k) % win.cap]!;
      sum += x;
      sumSq += x * x;
    }
    sds.push(Math.sqrt(Math.max(0, (sumSq - (sum * sum) / block) / (block - 1))));
  }
  return medianOf(sds);
}

export interface TerminalDigitState {
  startT: number;
}

/**
 * terminal-digit: the last written digit of changing valid (or S) values is not uniform: chi-square
 * over ≥ minValues digits, p < pValue, or too many end in 0 or 5 (binomial vs 20 %, p < roundDigitsPValue). Spared: series whose local spread (median sd over blocks of
 * spreadBlockValues values) is under minSpreadQuanta written quanta (the last digit is not random
 * there: a gas unit's SO2 of 3 ± 0.3 written to 0.1), and fixed-format padding (one digit > 90 %).
 */
export function terminalDigitStep(win: DigitWindow, state: TerminalDigitState | null, ctx: StepContext, p: RuleParams['terminal-digit']): StepResult<TerminalDigitState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const text = w.text(ctx.code, i);
  const flag = w.flag(ctx.code, i);
  const v = w.value(ctx.code, i);
  if (text !== null && Number.isFinite(v) && (flag === null || flag === 'N' || flag === 'S') && text !== win.lastText) {
    const ch = text.charCodeAt(text.length - 1) - 48;
    if (ch >= 0 && ch <= 9) win.push(ch, v, ctx.t);
    win.lastText = text;
  }
  if (win.count < p.minValues) return { state: null, finding: null };
  if (win.sinceEval < p.evaluateEvery) return { state, finding: null };
  win.sinceEval = 0;
  const counts = new Array<number>(10).fill(0);
  for (let k = 0; k < win.count; k++) counts[win.digits[k]!]!++;
  const n = win.count;
  const sd = localSpread(win, p.spreadBlockValues);
  const dec = Math.max(0, w.decimals(ctx.code, i));
  const quantum = 10 ** -dec;
  const top = Math.max(...counts);
  if (!(sd >= p.minSpreadQuanta * quantum) || top / n > 0.9) return { state: null, finding: null };
  const { stat, df } = chiSquareUniform(counts);
  const pv = chiSquarePValue(stat, df);
  // Typed numbers end in 0 or 5: a focused one-sided test of that excess has far more power than
  // the chi-square for the same chance rate, so both can be strict.
  const round = counts[0]! + counts[5]!;
  const pRound = binomialUpperTail(round, n, 0.2);
  if (pv >= p.pValue && pRound >= p.roundDigitsPValue) return { state: null, finding: null };
  const s = state ?? { startT: win.oldestT() };
  const share05 = round / n;
  const byRound = pRound < p.roundDigitsPValue && pRound <= pv;
  return {
    state: s,
    finding: {
      rule: 'terminal-digit',
      pollutant: ctx.code,
      start: s.startT,
      end: ctx.t,
      severity: Math.min(pv, pRound) < 1e-8 ? 'high' : 'medium',
      summary:
        `${label(ctx.code)}: the last written digit of ${n} changing values since ${fmtTime(win.oldestT(), ctx.site)} is not uniform ` +
        `(chi-square ${fmtNum(stat, 1)}, ${df} df, p = ${pv.toExponential(2)}; digit counts 0–9: ${counts.join(', ')}; 0 and 5 make ` +
        `${fmtNum(share05 * 100, 1)} % against 20 % expected, p = ${pRound.toExponential(2)}): numbers look typed, not measured.`,
      statistic: byRound ? { name: 'p-value of the 0/5 excess (binomial)', value: pRound } : { name: 'chi-square p-value', value: pv },
      threshold: byRound ? { name: 'roundDigitsPValue', value: p.roundDigitsPValue } : { name: 'pValue', value: p.pValue },
      params: { ...p, chiSquare: stat, chiSquarePValue: pv, roundDigitsShare: share05, roundDigitsP: pRound, values: n, localSpread: sd },
      readings: [],
      detectedAt: ctx.t,
    },
  };
}
