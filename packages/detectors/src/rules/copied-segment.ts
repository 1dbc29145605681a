import type { RuleParams } from '../params.js';
import type { Finding, StepContext, StepResult } from '../types.js';
import { fmtTime, isValidFlag, label, readingsRange } from '../context.js';
import { minutes, severityByDuration } from './common.js';
import { fromB64, toB64 } from '../engine/codec.js';

/**
 * Memory of earlier windows of one pollutant, as hashes of rounded deltas → time (s) of the window's
 * last value, in one Uint32Array (few objects per device). Two open-addressed tables:
 * - recent: every sample window (exact, short lags: ~tableSize samples back);
 * - anchors: only windows whose hash ≡ 0 mod anchorEvery (content-defined, so a copy contains the
 *   same anchors as its source whatever the lag): 24–48 h back in a few KiB. Cycle windows of
 *   water analyzers (values that change once per measurement cycle) go there too, all of them.
 */
export class CopyIndex {
  /** [recent hashes | recent times | anchor hashes | anchor times]. */
  readonly table: Uint32Array;
  /** Last measurement cycles of a water analyzer: values then times (s), oldest first; allocated on first use. */
  cycles: Float64Array | null = null;
  cycleCount = 0;
  /** SampleTime (s) of the newest cycle seen. */
  lastSampleTimeSec = -1;
  constructor(
    readonly size: number,
    readonly anchorSize = 256,
    readonly cycleCap = 5,
  ) {
    this.table = new Uint32Array(2 * size + 2 * anchorSize);
  }
  recent(): Table {
    return { t: this.table, hashAt: 0, timeAt: this.size, n: this.size };
  }
  anchors(): Table {
    return { t: this.table, hashAt: 2 * this.size, timeAt: 2 * this.size + this.anchorSize, n: this.anchorSize };
  }
  pushCycle(value: number, tsec: number): void {
    const c = (this.cycles ??= new Float64Array(2 * this.cycleCap));
    if (this.cycleCount === this.cycleCap) {
      c.copyWithin(0, 1, this.cycleCap);
      c.copyWithin(this.cycleCap, this.cycleCap + 1);
      this.cycleCount--;
    }
    c[this.cycleCount] = value;
    c[this.cycleCap + this.cycleCount] = tsec;
    this.cycleCount++;
  }
  cycleValue(k: number): number {
    return this.cycles![k]!;
  }
  cycleTime(k: number): number {
    return this.cycles![this.cycleCap + k]!;
  }
  toJSON() {
    return {
      size: this.size, anchorSize: this.anchorSize, cycleCap: this.cycleCap, table: toB64(this.table),
      cycles: this.cycles ? toB64(this.cycles) : null, cycleCount: this.cycleCount, lastSampleTimeSec: this.lastSampleTimeSec,
    };
  }
  /** Snapshots from before the anchor table (no `table`) restore as an empty index: copies are looked for again from then on. */
  static fromJSON(j: Partial<ReturnType<CopyIndex['toJSON']>> & { size: number }): CopyIndex {
    const c = new CopyIndex(j.size, j.anchorSize, j.cycleCap);
    if (!j.table) return c;
    const t = fromB64(j.table, Uint32Array);
    if (t.length === c.table.length) c.table.set(t);
    if (j.cycles) c.cycles = fromB64(j.cycles, Float64Array);
    c.cycleCount = j.cycleCount ?? 0;
    c.lastSampleTimeSec = j.lastSampleTimeSec ?? -1;
    return c;
  }
}

/** One open-addressed table inside CopyIndex.table. */
interface Table {
  t: Uint32Array;
  hashAt: number;
  timeAt: number;
  n: number;
}

export interface CopyRunState {
  lagMs: number;
  count: number;
  startT: number;
  lastT: number;
  /** Windows since the last match (a window that does not qualify, e.g. too few moves, is skipped). */
  misses: number;
  /** How the run was found: every sample window, sparse anchors, or measurement cycles. */
  mode: 'dense' | 'anchor' | 'cycle';
}

const MAX_MISSES = 3;

class DeltaHasher {
  h = 0x811c9dc5;
  nonZero = 0;
  private readonly distinct = new Set<number>();
  add(d: number): void {
    if (d !== 0) this.nonZero++;
    if (this.distinct.size < 16) this.distinct.add(d);
    this.h ^= d & 0xffff;
    this.h = Math.imul(this.h, 0x01000193) >>> 0;
    this.h ^= (d >>> 16) & 0xffff;
    this.h = Math.imul(this.h, 0x01000193) >>> 0;
  }
  result(minNonZero: number, minDistinct: number): number | null {
    if (this.nonZero < minNonZero || this.distinct.size < minDistinct) return null;
    return this.h >>> 0 || 1;
  }
}

/** Hash of the last `n` rounded deltas ending at the newest sample, or null when the window does not qualify. */
export function deltaHash(ctx: StepContext, n: number, p: RuleParams['copied-segment']): number | null {
  const w = ctx.window;
  const last = w.size() - 1;
  if (last < n) return null;
  const dec = Math.max(0, w.decimals(ctx.code, last));
  const scale = 10 ** Math.min(dec, 6);
  const hasher = new DeltaHasher();
  let prev = Number.NaN;
  for (let i = last - n; i <= last; i++) {
    const v = w.value(ctx.code, i);
    if (!Number.isFinite(v) || !isValidFlag(w.flag(ctx.code, i))) return null;
    const q = Math.round(v * scale);
    if (i > last - n) hasher.add(q - prev);
    prev = q;
  }
  return hasher.result(p.minNonZeroDeltas, p.minDistinctDeltas);
}

/**
 * Buckets of BUCKET slots. An insert takes, in order: the slot already holding the hash, an empty
 * or expired slot (older than maxAgeSec), else the oldest of the bucket. While the live entries fit
 * (load ~0.5), hardly anything younger than maxAgeSec is lost (one slot per hash, newest wins, loses
 * a third of a day-old table).
 */
const BUCKET = 4;

/** Bucket from re-mixed bits: anchors are hashes ≡ 0 mod anchorEvery, so their low bits are not spread. */
function bucketOf(hash: number, n: number): number {
  const mixed = Math.imul(hash ^ (hash >>> 16), 0x9e3779b1) >>> 0;
  return (mixed % Math.max(1, Math.floor(n / BUCKET))) * BUCKET;
}

/** Earlier time (s) of `hash` in a table, if it ended before `beforeSec` and is at most `maxAgeSec` old. */
function lookup(tb: Table, hash: number, beforeSec: number, nowSec: number, maxAgeSec: number): number {
  const b = bucketOf(hash, tb.n);
  for (let k = b; k < b + BUCKET && k < tb.n; k++) {
    if (tb.t[tb.hashAt + k] !== hash) continue;
    const t = tb.t[tb.timeAt + k]!;
    if (t < beforeSec && nowSec - t <= maxAgeSec) return t;
  }
  return Number.NaN;
}

function insert(tb: Table, hash: number, nowSec: number, maxAgeSec: number): void {
  const b = bucketOf(hash, tb.n);
  let slot = -1;
  let oldest = b;
  for (let k = b; k < b + BUCKET && k < tb.n; k++) {
    const h = tb.t[tb.hashAt + k]!;
    const t = tb.t[tb.timeAt + k]!;
    if (h === hash) {
      slot = k;
      break;
    }
    if (slot < 0 && (h === 0 || nowSec - t > maxAgeSec)) slot = k;
    if (t < tb.t[tb.timeAt + oldest]!) oldest = k;
  }
  if (slot < 0) slot = oldest;
  tb.t[tb.hashAt + slot] = hash;
  tb.t[tb.timeAt + slot] = nowSec;
}

/**
 * copied-segment: a window of windowSamples+1 samples whose rounded deltas equal an earlier
 * window's (an exact copy, or a copy offset by a constant), confirmed at the same lag: over
 * confirmSamples further samples (recent lags), or confirmAnchors anchor windows (lags up to
 * maxLagHours). Water analyzers that hold values between measurement cycles (SampleTime) are
 * compared at cycle resolution: windowCycles deltas of cycle values, confirmCycles windows.
 * Windows that barely move (flatline) do not qualify.
 */
export function copiedSegmentStep(index: CopyIndex, state: CopyRunState | null, ctx: StepContext, p: RuleParams['copied-segment']): StepResult<CopyRunState> {
  if (ctx.water && Number.isFinite(ctx.sampleTime)) return cycleStep(index, state, ctx, p);
  const hash = deltaHash(ctx, p.windowSamples, p);
  const confirmed = (s: CopyRunState) => s.count >= (s.mode === 'anchor' ? p.confirmAnchors : p.confirmSamples);
  // Anchors are sparse (and some were overwritten): a long-lag run lives until anchorGapMinutes pass without a hit.
  const alive = (s: CopyRunState) => (s.mode === 'anchor' ? ctx.t - s.lastT <= p.anchorGapMinutes * 60_000 : s.misses < MAX_MISSES);
  const miss = (): StepResult<CopyRunState> => {
    if (!state || !alive(state)) return { state: null, finding: null };
    const s = { ...state, misses: state.misses + 1 };
    return { state: s, finding: confirmed(s) ? copyFinding(s, ctx, p) : null };
  };
  if (hash === null) return miss();
  const w = ctx.window;
  const last = w.size() - 1;
  const winStart = w.time(last - p.windowSamples);
  const nowSec = Math.floor(ctx.t / 1000);
  const beforeSec = Math.floor(winStart / 1000);
  const maxAge = p.maxLagHours * 3600;
  let mode: CopyRunState['mode'] = 'dense';
  let earlier = lookup(index.recent(), hash, beforeSec, nowSec, maxAge);
  insert(index.recent(), hash, nowSec, maxAge);
  if (hash % p.anchorEvery === 0) {
    if (!Number.isFinite(earlier)) {
      earlier = lookup(index.anchors(), hash, beforeSec, nowSec, maxAge);
      mode = 'anchor';
    }
    insert(index.anchors(), hash, nowSec, maxAge);
  }
  if (!Number.isFinite(earlier)) return miss();
  const lagMs = (nowSec - earlier) * 1000;
  const tol = Number.isFinite(ctx.interval) ? ctx.interval / 2 : 1000;
  const same = state && Math.abs(state.lagMs - lagMs) <= tol;
  const s: CopyRunState = same
    ? { ...state, count: state.count + 1, lastT: ctx.t, misses: 0, mode: state.mode === 'dense' ? 'dense' : mode }
    : { lagMs, count: 1, startT: winStart, lastT: ctx.t, misses: 0, mode };
  return { state: s, finding: confirmed(s) ? copyFinding(s, ctx, p) : null };
}

/** Water analyzer: act once per measurement cycle (a new SampleTime); in between, keep the run as it is. */
function cycleStep(index: CopyIndex, state: CopyRunState | null, ctx: StepContext, p: RuleParams['copied-segment']): StepResult<CopyRunState> {
  const w = ctx.window;
  const i = w.size() - 1;
  const v = w.value(ctx.code, i);
  const cycleSec = Math.floor(ctx.sampleTime / 1000);
  const confirmed = (s: CopyRunState | null) => s !== null && s.count >= p.confirmCycles;
  if (cycleSec === index.lastSampleTimeSec || !Number.isFinite(v) || !isValidFlag(w.flag(ctx.code, i))) {
    return { state, finding: confirmed(state) ? copyFinding(state!, ctx, p) : null };
  }
  index.lastSampleTimeSec = cycleSec;
  const nowSec = Math.floor(ctx.t / 1000);
  const scale = 10 ** Math.min(Math.max(0, w.decimals(ctx.code, i)), 6);
  index.pushCycle(v, nowSec);
  const n = p.windowCycles;
  if (index.cycleCount < n + 1) return { state: null, finding: null };
  const hasher = new DeltaHasher();
  const first = index.cycleCount - n - 1;
  for (let k = first + 1; k < index.cycleCount; k++) hasher.add(Math.round(index.cycleValue(k) * scale) - Math.round(index.cycleValue(k - 1) * scale));
  const hash = hasher.result(n - 1, n - 1);
  const cycleLen = index.cycleTime(index.cycleCount - 1) - index.cycleTime(index.cycleCount - 2);
  const miss = (): StepResult<CopyRunState> => {
    if (!state || state.misses >= 1) return { state: null, finding: null };
    const s = { ...state, misses: state.misses + 1 };
    return { state: s, finding: confirmed(s) ? copyFinding(s, ctx, p) : null };
  };
  if (hash === null) return miss();
  const winStartSec = index.cycleTime(first);
  const maxAge = p.maxLagHours * 3600;
  const earlier = lookup(index.anchors(), hash, winStartSec, nowSec, maxAge);
  insert(index.anchors(), hash, nowSec, maxAge);
  if (!Number.isFinite(earlier)) return miss();
  const lagMs = (nowSec - earlier) * 1000;
  const same = state && Math.abs(state.lagMs - lagMs) <= Math.max(60_000, (cycleLen * 1000) / 4);
  const s: CopyRunState = same
    ? { ...state, count: state.count + 1, lastT: ctx.t, misses: 0 }
    : { lagMs, count: 1, startT: winStartSec * 1000, lastT: ctx.t, misses: 0, mode: 'cycle' };
  return { state: s, finding: confirmed(s) ? copyFinding(s, ctx, p) : null };
}

function copyFinding(s: CopyRunState, ctx: StepContext, p: RuleParams['copied-segment']): Finding {
  const w = ctx.window;
  const last = w.size() - 1;
  const end = s.lastT;
  const dur = end - s.startT;
  const srcFrom = s.startT - s.lagMs;
  const unit = s.mode === 'cycle' ? 'measurement cycles' : 'samples';
  const matched = s.mode === 'cycle' ? p.windowCycles + s.count : s.mode === 'anchor' ? `${s.count} anchor windows of ${p.windowSamples + 1}` : p.windowSamples + s.count;
  return {
    rule: 'copied-segment',
    pollutant: ctx.code,
    start: s.startT,
    end,
    severity: severityByDuration(dur * 4),
    summary:
      `${label(ctx.code)} from ${fmtTime(s.startT, ctx.site)} to ${fmtTime(end, ctx.site)} (${matched} ${unit}, ${minutes(dur)}) ` +
      `repeats, step for step, the readings from ${fmtTime(srcFrom, ctx.site)} to ${fmtTime(end - s.lagMs, ctx.site)} ` +
      `(${minutes(s.lagMs)} earlier, identical changes between consecutive ${unit}): data copied from an earlier period.`,
    statistic: {
      name: s.mode === 'cycle' ? 'measurement-cycle windows repeating earlier deltas' : s.mode === 'anchor' ? 'anchor windows repeating earlier deltas at one lag' : 'consecutive samples repeating earlier deltas',
      value: s.mode === 'dense' ? p.windowSamples + s.count : s.count,
    },
    threshold:
      s.mode === 'cycle' ? { name: 'confirmCycles', value: p.confirmCycles } : s.mode === 'anchor' ? { name: 'confirmAnchors', value: p.confirmAnchors } : { name: 'windowSamples + confirmSamples', value: p.windowSamples + p.confirmSamples },
    params: { ...p, lagMs: s.lagMs, sourceStart: srcFrom, mode: s.mode },
    readings: readingsRange(w, [ctx.code], Math.max(0, last - p.windowSamples - Math.min(s.count, 48) + 1), last, 32),
    detectedAt: ctx.t,
  };
}
