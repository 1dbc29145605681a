import type { EvidenceReading, Severity } from '@offsite/domain';
import type { RecentWindow, StepContext } from '../types.js';
import { readingAt, readingsRange } from '../context.js';

/** State of a run of consecutive qualifying samples. */
export interface RunState {
  startT: number;
  n: number;
  first: EvidenceReading[];
}

/** Index of the first window sample at or after `t` (scans back from the newest). */
export function indexFrom(w: RecentWindow, t: number): number {
  let i = w.size() - 1;
  while (i > 0 && w.time(i - 1) >= t) i--;
  return i;
}

/** Run duration: first to last sample plus one interval (a single hourly value covers an hour). */
export function runDuration(startT: number, t: number, interval: number): number {
  return t - startT + (Number.isFinite(interval) ? interval : 0);
}

export function startRun(ctx: StepContext, codes: readonly string[]): RunState {
  const i = ctx.window.size() - 1;
  return { startT: ctx.t, n: 1, first: codes.filter((c) => ctx.window.has(c)).map((c) => readingAt(ctx.window, c, i)) };
}

/** Evidence: the run's first sample(s) plus up to `max` samples of its recent part still in the window. */
export function runReadings(ctx: StepContext, run: RunState, codes: readonly string[], max = 16): EvidenceReading[] {
  const w = ctx.window;
  const from = indexFrom(w, run.startT);
  const recent = readingsRange(w, codes, from, w.size() - 1, max);
  const seen = new Set(recent.map((r) => `${r.t}|${r.code}`));
  return [...run.first.filter((r) => !seen.has(`${r.t}|${r.code}`)), ...recent];
}

/** Tampering severity by how long it lasted. */
export function severityByDuration(ms: number): Severity {
  const h = ms / 3_600_000;
  if (h >= 24) return 'critical';
  if (h >= 4) return 'high';
  if (h >= 1) return 'medium';
  return 'low';
}

export function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m >= 120 ? `${(m / 60).toFixed(1)} h` : `${m} min`;
}

/** Running per flow: unknown flow or unknown normal flow counts as running. */
export function flowRunning(ctx: StepContext, share: number): boolean {
  return !Number.isFinite(ctx.flowRatio) || ctx.flowRatio > share;
}
