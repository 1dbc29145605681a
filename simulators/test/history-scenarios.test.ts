import { createHash } from 'node:crypto';
import { Factor } from '@offsite/domain';
import { describe, expect, it } from 'vitest';
import { generateScenario } from '../src/generate.js';
import { runParsed, series, within, type ParsedRun } from './helpers.js';

// Multi-day scenarios for the history-based rules (low-variance, correlation-break): one target
// device each (index 0), at the default duration, so the injected window is really there.
const HOUR = 3_600_000;
const num = (s: string | undefined): number => Number(s);
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
function pearson(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    const y = ys[i] as number;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

/** Within-hour coefficient of variation of the written real-time values (flag N), per clock hour. */
function hourlyCv(run: ParsedRun, mn: string, code: string): Map<number, number> {
  const byHour = new Map<number, number[]>();
  for (const r of series(run, mn, '2011', code)) {
    if (r.flag !== 'N') continue;
    const h = Math.floor(r.t / HOUR) * HOUR;
    byHour.set(h, [...(byHour.get(h) ?? []), num(r.rtd)]);
  }
  const out = new Map<number, number>();
  for (const [h, xs] of byHour) {
    if (xs.length < 45) continue;
    const m = mean(xs);
    out.set(h, Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) / m);
  }
  return out;
}

const digest = (name: string, seed: number): string => {
  const h = createHash('sha256');
  const run = generateScenario({ name, devices: 1, seed });
  h.update(JSON.stringify(run.truth));
  for (const p of run.packets) h.update(p.frame);
  return h.digest('hex');
};

describe('low-variance scenario: smoothed data after an honest period', () => {
  const run = runParsed({ name: 'low-variance', devices: 1 });
  const [l] = run.truth;

  it('labels one window, after ≥ 48 h of honest history', () => {
    expect(run.truth).toHaveLength(1);
    if (!l) throw new Error('no truth');
    expect(l.pattern).toBe('low-variance');
    expect(l.pollutant).toBe(Factor.so2);
    expect(Date.parse(l.start) - run.start).toBeGreaterThanOrEqual(48 * HOUR);
    expect(Date.parse(l.end) - Date.parse(l.start)).toBe(12 * HOUR);
  });

  it('within-hour variability collapses below a quarter of the history, the level stays realistic, values keep changing', () => {
    if (!l) throw new Error('no truth');
    const cv = hourlyCv(run, l.mn, Factor.so2);
    const history = [...cv].filter(([h]) => h < Date.parse(l.start)).map(([, v]) => v);
    const inside = [...cv].filter(([h]) => within(h, l)).map(([, v]) => v);
    expect(history.length).toBeGreaterThanOrEqual(48);
    expect(inside).toHaveLength(12);
    expect(Math.max(...inside)).toBeLessThan(0.25 * median(history));
    const hourly = (pick: (t: number) => boolean) => series(run, l.mn, '2061', Factor.so2).filter((h) => h.flag === 'N' && pick(h.t)).map((h) => num(h.zsAvg));
    const before = mean(hourly((t) => t < Date.parse(l.start)));
    const during = mean(hourly((t) => within(t, l)));
    expect(Math.abs(during / before - 1)).toBeLessThan(0.25);
    // Not a flatline: no written value held for 30 samples in a row.
    const rows = series(run, l.mn, '2011', Factor.so2).filter((r) => within(r.t, l));
    let run30 = 1;
    let longest = 1;
    for (let i = 1; i < rows.length; i++) longest = Math.max(longest, (run30 = rows[i]?.rtd === rows[i - 1]?.rtd ? run30 + 1 : 1));
    expect(longest).toBeLessThan(30);
    // After the window the measurement is written again.
    const after = [...cv].filter(([h]) => h >= Date.parse(l.end)).map(([, v]) => v);
    expect(median(after)).toBeGreaterThan(0.5 * median(history));
  });

  it('same seed gives the same bytes; another seed differs', () => {
    expect(digest('low-variance', 3)).toBe(digest('low-variance', 3));
    expect(digest('low-variance', 3)).not.toBe(digest('low-variance', 4));
  });
});

describe('correlation-break scenario: NOx stops following load', () => {
  const run = runParsed({ name: 'correlation-break', devices: 1 });
  const [l] = run.truth;

  it('labels one NOx window after ≥ 48 h of coupled history, ≥ 24 h long', () => {
    expect(run.truth).toHaveLength(1);
    if (!l) throw new Error('no truth');
    expect(l.pattern).toBe('correlation-break');
    expect(l.pollutant).toBe(Factor.nox);
    expect(Date.parse(l.start) - run.start).toBeGreaterThanOrEqual(48 * HOUR);
    expect(Date.parse(l.end) - Date.parse(l.start)).toBeGreaterThanOrEqual(24 * HOUR);
  });

  it('hourly converted NOx follows flue flow before the window and not in it; flow keeps moving, the level stays', () => {
    if (!l) throw new Error('no truth');
    const hours = (code: string, field: 'avg' | 'zsAvg') => new Map(series(run, l.mn, '2061', code).filter((h) => h.flag === 'N').map((h) => [h.t, num(h[field])]));
    const nox = hours(Factor.nox, 'zsAvg');
    const flow = hours(Factor.flow, 'avg');
    const pairs = (pick: (t: number) => boolean) => [...nox].filter(([t]) => pick(t) && flow.has(t)).map(([t, v]) => [v, flow.get(t) as number] as const);
    const before = pairs((t) => t < Date.parse(l.start) && t >= Date.parse(l.start) - 48 * HOUR);
    const during = pairs((t) => within(t, l));
    expect(before.length).toBeGreaterThanOrEqual(40);
    expect(during.length).toBeGreaterThanOrEqual(30);
    expect(pearson(before.map((p) => p[0]), before.map((p) => p[1]))).toBeGreaterThan(0.8);
    expect(pearson(during.map((p) => p[0]), during.map((p) => p[1]))).toBeLessThan(0.1);
    const flows = during.map((p) => p[1]);
    const sd = Math.sqrt(flows.reduce((a, f) => a + (f - mean(flows)) ** 2, 0) / (flows.length - 1));
    expect(sd / mean(flows)).toBeGreaterThan(0.05);
    expect(Math.abs(mean(during.map((p) => p[0])) / mean(before.map((p) => p[0])) - 1)).toBeLessThan(0.2);
    // The logger still converts the written NOx with the measured O2 (no converted-mismatch).
    const o2 = new Map(series(run, l.mn, '2011', Factor.o2).map((r) => [r.t, num(r.rtd)]));
    for (const r of series(run, l.mn, '2011', Factor.nox).filter((x) => within(x.t, l) && x.flag === 'N')) {
      const formula = (num(r.rtd) * (21 - 3.5)) / (21 - (o2.get(r.t) as number));
      expect(Math.abs(num(r.zsRtd) - formula)).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });

  it('same seed gives the same bytes; another seed differs', () => {
    expect(digest('correlation-break', 3)).toBe(digest('correlation-break', 3));
    expect(digest('correlation-break', 3)).not.toBe(digest('correlation-break', 4));
  });
});
