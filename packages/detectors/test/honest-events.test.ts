import { describe, it, expect } from 'vitest';
import { Factor, type ReadingBatch } from '@offsite/domain';
import { batches, engineFor, honestCoal, HOUR, makeSite, makeWaterSite, MIN, noise, ofRule, round, run, T0, type FactorSpec } from './helpers.js';

// Honest behaviour from the simulator scenarios that raised false anomalies, reproduced small.

/** Municipal outlet at 1-min cadence: COD ~24 (every 2 h, held), NH3-N ~1.2, daily calibration 04:00–04:40 with a standard solution. */
function municipal(seed: number, over: (i: number, t: number, b: Record<string, FactorSpec>) => Record<string, FactorSpec> = (_i, _t, b) => b) {
  const r = noise(seed);
  let cod = 24;
  let nh3 = 1.2;
  return (i: number, t: number): Record<string, FactorSpec> => {
    const local = (t - T0) % (24 * HOUR);
    const cycle = Math.floor((t - T0) / (2 * HOUR)) * 2 * HOUR + T0;
    if (i % 120 === 0) cod = round(24 + 4 * r(), 1);
    if (i % 60 === 0) nh3 = round(1.2 + 0.3 * r(), 3);
    const calibrating = local >= 4 * HOUR && local < 4 * HOUR + 40 * MIN;
    const base: Record<string, FactorSpec> = {
      w01018: calibrating ? { value: 160, flag: 'C', sampleTime: t } : { value: cod, sampleTime: cycle },
      w21003: calibrating ? { value: 16, flag: 'C', sampleTime: t } : { value: nh3, text: nh3.toFixed(3), sampleTime: cycle },
      w01001: round(7.1 + 0.1 * r(), 2),
      [Factor.waterFlow]: round(100 + 10 * r(), 2),
    };
    return over(i, t, base);
  };
}

/**
 * Hourly packets (2061) as the simulated logger writes them from its real-time samples: Avg over
 * all non-F samples, flag N with ≥ 75 % N samples, else the most common other flag; sent at hour end.
 */
function withHourly(rtd: ReadingBatch[]): ReadingBatch[] {
  const byHour = new Map<number, ReadingBatch[]>();
  for (const b of rtd) {
    const h = Math.floor(b.dataTime / HOUR) * HOUR;
    byHour.set(h, [...(byHour.get(h) ?? []), b]);
  }
  const hours: ReadingBatch[] = [];
  for (const [h, list] of byHour) {
    const codes = [...new Set(list.flatMap((b) => b.readings.map((r) => r.code)))];
    const readings = codes.map((code) => {
      const rs = list.flatMap((b) => b.readings.filter((r) => r.code === code && r.value !== null));
      const used = rs.filter((r) => r.flag !== 'F');
      const avg = used.reduce((a, r) => a + r.value!, 0) / Math.max(1, used.length);
      const counts = new Map<string, number>();
      for (const r of rs) counts.set(r.flag ?? 'N', (counts.get(r.flag ?? 'N') ?? 0) + 1);
      const flag = (counts.get('N') ?? 0) >= 0.75 * rs.length ? 'N' : [...counts].filter(([f]) => f !== 'N').sort((a, b) => b[1] - a[1])[0]![0];
      return { code, value: round(avg, 3), text: avg.toFixed(3), flag: flag as 'N' };
    });
    hours.push({ ...list[0]!, cn: '2061', kind: 'hour', dataTime: h, receivedAt: h + HOUR + 8_000, readings });
  }
  return [...rtd, ...hours].sort((a, b) => a.receivedAt - b.receivedAt);
}

describe('flag-abuse spares daily calibration', () => {
  it('a water analyzer calibrated 40 min a day with a standard solution above the limit is not hiding breaches', () => {
    const site = makeWaterSite({ limits: { w01018: 50, w21003: 5 } });
    const bs = withHourly(batches({ mn: site.mn, count: 4 * 24 * 60, factors: municipal(3) }));
    const as = run(engineFor([site]), bs);
    expect(ofRule(as, 'flag-abuse').map((a) => a.evidence.summary)).toEqual([]);
  });
  it('the same hours flagged M (maintenance) with process values above the limit are', () => {
    const site = makeWaterSite({ limits: { w01018: 50, w21003: 5 } });
    const hidden = municipal(3, (_i, t, b) => {
      const local = (t - T0) % (24 * HOUR);
      return local >= 10 * HOUR && local < 11 * HOUR ? { ...b, w01018: { value: 80, flag: 'M', sampleTime: t } } : b;
    });
    const as = run(engineFor([site]), withHourly(batches({ mn: site.mn, count: 4 * 24 * 60, factors: hidden })));
    expect(ofRule(as, 'flag-abuse').filter((a) => a.pollutant === 'w01018')).toHaveLength(1);
  });
});

describe('step-drop is a fall below the normal level, not the end of a spike', () => {
  const coal = makeSite();
  const scaled = (from: number, to: number, k: number | null) =>
    honestCoal(31, (i, _t, b) => {
      if (i < from || i >= to) return b;
      const so2 = k === null ? 200 : round((b.a21026 as { value: number }).value * k, 1);
      return { ...b, a21026: { value: so2, converted: round((so2 * 15) / (21 - (b[Factor.o2] as number)), 1) } };
    });
  it('a value pinned at full scale for an hour, then back to normal, is not a step-drop', () => {
    const as = run(engineFor([coal]), batches({ count: 8 * 60, factors: scaled(4 * 60, 5 * 60, null) }));
    expect(ofRule(as, 'step-drop').map((a) => a.evidence.summary)).toEqual([]);
  });
  it('a genuine upset (emission ×3 for an hour) ending is not a step-drop', () => {
    const as = run(engineFor([coal]), batches({ count: 8 * 60, factors: scaled(4 * 60, 5 * 60, 3) }));
    expect(ofRule(as, 'step-drop').map((a) => a.evidence.summary)).toEqual([]);
  });
  it('a fall to 30 % of the normal level after hours of history still is', () => {
    const as = ofRule(run(engineFor([coal]), batches({ count: 8 * 60, factors: scaled(4 * 60, 6 * 60, 0.3) })), 'step-drop');
    expect(as).toHaveLength(1);
    expect(as[0]!.start).toBe(T0 + 4 * HOUR);
  });
});

describe('terminal-digit needs a local spread of several written quanta', () => {
  const gas = makeSite({ mn: 'MN-GAS-1', o2Ref: 3.5, limits: { a21026: 50, a21002: 50, a34013: 20 }, ranges: { a21026: 100, a21002: 200, a34013: 50 }, normalFlow: 6 });
  /** SO2 ~3 ± 0.3 written to 0.1 (clustered around whole numbers), with 2 h at ~1.3 (a level change) in the middle. */
  const narrow = (i: number, r: () => number): number => {
    const level = i >= 120 && i < 240 ? 1.3 : 3.0;
    return round(level + 0.3 * (r() + r() + r()) / 1.7, 1);
  };
  it('honest gas SO2 of 3 ± 0.3 written to 0.1, whose level moves, is not typed numbers', () => {
    const r = noise(17);
    const bs = batches({ mn: gas.mn, count: 6 * 60, factors: (i) => ({ a21026: narrow(i, r), a21002: round(30 + 3 * r(), 1), [Factor.o2]: round(4 + 0.2 * r(), 2), [Factor.flow]: round(6 + 0.3 * r(), 3) }) });
    expect(ofRule(run(engineFor([gas]), bs), 'terminal-digit').map((a) => a.evidence.summary)).toEqual([]);
  });
  it('values typed to 0.5 steps with a wide spread still are', () => {
    const r = noise(18);
    const bs = batches({ mn: gas.mn, count: 6 * 60, factors: () => ({ a21026: Math.round((20 + 3 * (r() + r())) * 2) / 2, [Factor.o2]: round(4 + 0.2 * r(), 2), [Factor.flow]: round(6 + 0.3 * r(), 3) }) });
    expect(ofRule(run(engineFor([gas]), bs), 'terminal-digit')).toHaveLength(1);
  });
});

describe('terminal-digit chance rate', () => {
  // Digit counts of an honest coal SO2 window from the eval (seed 2): chi-square p = 6.5e-4, no 0/5 excess.
  const counts = [28, 34, 14, 18, 29, 18, 33, 41, 15, 26];
  const digitsOf = (cs: number[], seed: number) => {
    const ds = cs.flatMap((c, d) => Array.from({ length: c }, () => d));
    const r = noise(seed);
    for (let i = ds.length - 1; i > 0; i--) {
      const j = Math.floor(((r() + 1) / 2) * (i + 1));
      [ds[i], ds[j]] = [ds[j]!, ds[i]!];
    }
    return ds;
  };
  const series = (ds: number[]) => {
    const r = noise(5);
    // Whole part changes every sample, so no value repeats the previous one (repeats are skipped).
    return batches({ count: ds.length, factors: (i) => ({ a21026: round(18 + (i % 2) * 5 + Math.floor(2 * (r() + 1)) + ds[i]! / 10, 1), [Factor.o2]: 6.5, [Factor.flow]: 300 }) });
  };
  it('a window whose digits are only mildly uneven by chance (p ≈ 6e-4, no 0/5 excess) is not flagged', () => {
    const bs = series(digitsOf(counts, 3));
    expect(ofRule(run(engineFor([makeSite()]), bs), 'terminal-digit')).toEqual([]);
    // The previous default (chi-square alone at p < 0.001) raised it.
    expect(ofRule(run(engineFor([makeSite()], { 'terminal-digit': { pValue: 0.001, roundDigitsPValue: 1e-12 } }), bs), 'terminal-digit')).toHaveLength(1);
  });
  it('a third of values typed (ending in 0 or 5) is flagged by the 0/5 test', () => {
    const typed = [52, 20, 20, 19, 19, 52, 19, 19, 18, 18]; // 0 and 5: 40.6 % of 256
    const a = ofRule(run(engineFor([makeSite()]), series(digitsOf(typed, 4))), 'terminal-digit');
    expect(a).toHaveLength(1);
    expect(a[0]!.evidence.statistic.name).toMatch(/0\/5/);
  });
});
