import type { RuleParams } from '../params.js';
import type { Finding, StepContext, StepResult } from '../types.js';
import { fmtTime, isValidFlag, label, readingsRange } from '../context.js';
import { minutes, severityByDuration } from './common.js';
import { fromB64, toB64 } from '../engine/codec.js';

/**
 * Memory of earlier windows of one pollutant: hash of the rounded deltas of each window of
 * windowSamples+1 samples → time of its last sample (seconds). Open addressing, newest wins.
 */
export class CopyIndex {
  readonly hashes: Uint32Array;
  readonly tsec: Uint32Array;
  constructor(readonly size: number) {
    this.hashes = new Uint32Array(size);
    this.tsec = new Uint32Array(size);
  }
  toJSON(): { size: number; hashes: string; tsec: string } {
    return { size: this.size, hashes: toB64(this.hashes), tsec: toB64(this.tsec) };
  }
  static fromJSON(j: { size: number; hashes: string; tsec: string }): CopyIndex {
    const c = new CopyIndex(j.size);
    c.hashes.set(fromB64(j.hashes, Uint32Array));
    c.tsec.set(fromB64(j.tsec, Uint32Array));
    return c;
  }
}

export interface CopyRunState {
  lagMs: number;
  count: number;
  startT: number;
  lastT: number;
  /** Windows since the last match (a window that does not qualify, e.g. too few moves, is skipped). */
  misses: number;
}

const MAX_MISSES = 3;

/** Hash of the last `n` rounded deltas ending at the newest sample, or null when the window does not qualify. */
export function deltaHash(ctx: StepContext, n: number, p: RuleParams['copied-segment']): number | null {
  const w = ctx.window;
  const last = w.size() - 1;
  if (last < n) return null;
  const dec = Math.max(0, w.decimals(ctx.code, last));
  const scale = 10 ** Math.min(dec, 6);
  let h = 0x811c9dc5;
  let nonZero = 0;
  const distinct = new Set<number>();
  let prev = Number.NaN;
  for (let i = last - n; i <= last; i++) {
    const v = w.value(ctx.code, i);
    if (!Number.isFinite(v) || !isValidFlag(w.flag(ctx.code, i))) return null;
    const q = Math.round(v * scale);
    if (i > last - n) {
      const d = q - prev;
      if (d !== 0) nonZero++;
      if (distinct.size < 16) distinct.add(d);
      h ^= d & 0xffff;
      h = Math.imul(h, 0x01000193) >>> 0;
      h ^= (d >>> 16) & 0xffff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    prev = q;
  }
  if (nonZero < p.minNonZeroDeltas || distinct.size < p.minDistinctDeltas) return null;
  return h >>> 0 || 1;
}

/**
 * copied-segment: a window of windowSamples+1 samples whose rounded deltas equal an earlier
 * window's (an exact copy, or a copy offset by a constant), confirmed over confirmSamples further
 * samples at the same lag, so ≥ windowSamples + confirmSamples samples repeat earlier data.
 * Windows that barely move (flatline) do not qualify.
 */
export function copiedSegmentStep(index: CopyIndex, state: CopyRunState | null, ctx: StepContext, p: RuleParams['copied-segment']): StepResult<CopyRunState> {
  const hash = deltaHash(ctx, p.windowSamples, p);
  const miss = (): StepResult<CopyRunState> => {
    if (!state || state.misses >= MAX_MISSES) return { state: null, finding: null };
    const s = { ...state, misses: state.misses + 1 };
    return { state: s, finding: s.count >= p.confirmSamples ? copyFinding(s, ctx, p) : null };
  };
  if (hash === null) return miss();
  const w = ctx.window;
  const last = w.size() - 1;
  const winStart = w.time(last - p.windowSamples);
  const nowSec = Math.floor(ctx.t / 1000);
  const slot = hash % index.size;
  let lagMs = Number.NaN;
  if (index.hashes[slot] === hash && index.tsec[slot]! * 1000 < winStart) lagMs = (nowSec - index.tsec[slot]!) * 1000;
  index.hashes[slot] = hash;
  index.tsec[slot] = nowSec;
  if (!Number.isFinite(lagMs)) return miss();
  const tol = Number.isFinite(ctx.interval) ? ctx.interval / 2 : 1000;
  const s: CopyRunState =
    state && Math.abs(state.lagMs - lagMs) <= tol ? { ...state, count: state.count + 1, lastT: ctx.t, misses: 0 } : { lagMs, count: 1, startT: winStart, lastT: ctx.t, misses: 0 };
  if (s.count < p.confirmSamples) return { state: s, finding: null };
  return { state: s, finding: copyFinding(s, ctx, p) };
}

function copyFinding(s: CopyRunState, ctx: StepContext, p: RuleParams['copied-segment']): Finding {
  const w = ctx.window;
  const last = w.size() - 1;
  const end = s.lastT;
  const dur = end - s.startT;
  const srcFrom = s.startT - s.lagMs;
  return {
      rule: 'copied-segment',
      pollutant: ctx.code,
      start: s.startT,
      end,
      severity: severityByDuration(dur * 4),
      summary:
        `${label(ctx.code)} from ${fmtTime(s.startT, ctx.site)} to ${fmtTime(end, ctx.site)} (${p.windowSamples + s.count} samples, ${minutes(dur)}) ` +
        `repeats, step for step, the readings from ${fmtTime(srcFrom, ctx.site)} to ${fmtTime(end - s.lagMs, ctx.site)} ` +
        `(${minutes(s.lagMs)} earlier, identical changes between consecutive samples): data copied from an earlier period.`,
      statistic: { name: 'consecutive samples repeating earlier deltas', value: p.windowSamples + s.count },
      threshold: { name: 'windowSamples + confirmSamples', value: p.windowSamples + p.confirmSamples },
      params: { ...p, lagMs: s.lagMs, sourceStart: srcFrom },
      readings: readingsRange(w, [ctx.code], Math.max(0, last - p.windowSamples - s.count + 1), last, 32),
      detectedAt: ctx.t,
  };
}
