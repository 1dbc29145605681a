import { describe, it, expect } from 'vitest';
import { Factor, type ReadingBatch } from '@offsite/domain';
import { batches, engineFor, honestCoal, HOUR, makeSite, makeWaterSite, MIN, noise, ofRule, run, T0, type FactorSpec } from './helpers.js';
import { resolveRuleParams, RuleParamsError, defaultRuleParams } from '../src/index.js';

const site = makeSite();
const so2At = (v: number) => (_i: number, _t: number, b: Record<string, FactorSpec>) => ({ ...b, a21026: { value: v, converted: v } });

describe('breach', () => {
  it('merges consecutive valid breach hours into one anomaly with the limit and standard', () => {
    const f = honestCoal(3, (i, t, b) => (i >= 120 && i < 300 ? so2At(40 + (i % 7))(i, t, b) : b));
    const as = ofRule(run(engineFor([site]), batches({ count: 8 * 60, factors: f })), 'breach');
    expect(as).toHaveLength(1);
    expect(as[0]!.start).toBe(T0 + 2 * HOUR);
    expect(as[0]!.end).toBe(T0 + 5 * HOUR);
    expect(as[0]!.evidence.limit).toEqual({ value: 35, standard: site.standard });
    expect(as[0]!.evidence.readings).toHaveLength(3);
  });
  it('an hour with under 75 % valid samples (maintenance flags) is not a breach, and start-up F data is not', () => {
    const f = honestCoal(3, (i, t, b) => {
      if (i < 120 || i >= 180) return b;
      const m = i % 60 < 20 ? 'M' : 'N';
      return { ...b, a21026: { value: 45, converted: 45, flag: m } };
    });
    expect(ofRule(run(engineFor([site]), batches({ count: 5 * 60, factors: f })), 'breach')).toEqual([]);
    const off = honestCoal(3, (i, _t, b) => (i >= 120 && i < 180 ? { ...b, a21026: { value: 45, flag: 'F' }, [Factor.o2]: 20.5, [Factor.flow]: 5 } : b));
    expect(ofRule(run(engineFor([site]), batches({ count: 5 * 60, factors: off })), 'breach')).toEqual([]);
  });
  it('converts with O2 when the logger sends no ZsRtd, and treats O2 ≥ 19 % as not running', () => {
    // raw 25 at O2 11 % → 25 × 15 / 10 = 37.5 > 35.
    const f = honestCoal(3, (i, _t, b) => (i >= 60 && i < 120 ? { ...b, a21026: 25, [Factor.o2]: 11 } : b));
    const as = ofRule(run(engineFor([site]), batches({ count: 4 * 60, factors: f })), 'breach');
    // NOx ~35 raw at 11 % O2 converts to ~52 > 50 as well.
    expect(as.map((a) => [a.pollutant, (a.start - T0) / HOUR, (a.end - T0) / HOUR]).sort()).toEqual([['a21002', 1, 2], ['a21026', 1, 2]]);
    const off = honestCoal(3, (i, _t, b) => (i >= 60 && i < 120 ? { ...b, a21026: 25, a21002: 35, [Factor.o2]: 19.5 } : b));
    expect(ofRule(run(engineFor([site]), batches({ count: 4 * 60, factors: off })), 'breach')).toEqual([]);
  });
  it('uses the daily average for water daily limits, and the pH band', () => {
    const w = makeWaterSite();
    const r = noise(4);
    const bs = batches({
      mn: w.mn, count: 3 * 24, interval: HOUR, kind: 'hour',
      factors: (i) => ({ w01018: i >= 24 && i < 48 ? 60 + r() : 30 + 5 * r(), w21003: 1 + 0.3 * r(), w01001: i === 60 ? 9.6 : 7 + 0.2 * r(), w00000: 100 + 10 * r() }),
    });
    const as = ofRule(run(engineFor([w]), bs), 'breach');
    const cod = as.filter((a) => a.pollutant === 'w01018');
    expect(cod).toHaveLength(1);
    expect(cod[0]!.start).toBe(T0 + 24 * HOUR);
    expect(as.filter((a) => a.pollutant === 'w01001')).toHaveLength(1);
  });
});

describe('data-gap', () => {
  it('flags > 3 missing intervals, not 3; a backfill within the bound cancels it', () => {
    const all = batches({ count: 300, factors: honestCoal(8) });
    const gap = all.filter((b) => !(b.dataTime >= T0 + 100 * MIN && b.dataTime < T0 + 110 * MIN));
    const g = ofRule(run(engineFor([site]), gap), 'data-gap');
    expect(g).toHaveLength(1);
    expect(g[0]!.start).toBe(T0 + 100 * MIN);
    expect(g[0]!.end).toBe(T0 + 109 * MIN);
    const small = all.filter((b) => !(b.dataTime >= T0 + 100 * MIN && b.dataTime < T0 + 103 * MIN));
    expect(ofRule(run(engineFor([site]), small), 'data-gap')).toEqual([]);
    const backfilled = [...gap.slice(0, 200), ...all.filter((b) => b.dataTime >= T0 + 100 * MIN && b.dataTime < T0 + 110 * MIN).map((b) => ({ ...b, receivedAt: T0 + 200 * MIN })), ...gap.slice(200)];
    expect(ofRule(run(engineFor([site]), backfilled), 'data-gap')).toEqual([]);
  });
  it('tick() reports a device gone silent once the lateness bound passes', () => {
    const e = engineFor([site]);
    for (const b of batches({ count: 60, factors: honestCoal(8) })) e.ingest(b);
    expect(e.tick(T0 + 90 * MIN).filter((a) => a.rule === 'data-gap')).toEqual([]);
    const later = e.tick(T0 + 4 * HOUR).filter((a) => a.rule === 'data-gap');
    expect(later).toHaveLength(1);
    expect(later[0]!.start).toBe(T0 + 60 * MIN);
  });
});

describe('late-data and clock-skew', () => {
  it('a backfill 3 h late is one late-data episode and not clock skew', () => {
    const bs = batches({ count: 240, factors: honestCoal(8) });
    const late = bs.map((b, i) => (i >= 100 && i < 160 ? { ...b, receivedAt: T0 + 4 * HOUR + (i - 100) * 1000 } : b));
    const order = [...late.slice(0, 100), ...late.slice(160, 200), ...late.slice(100, 160), ...late.slice(200)];
    const as = run(engineFor([site]), order);
    expect(ofRule(as, 'late-data')).toHaveLength(1);
    expect(ofRule(as, 'clock-skew')).toEqual([]);
    expect(ofRule(as, 'data-gap')).toEqual([]);
  });
  it('a logger clock 10 min behind is clock skew (steady offset), not late data; 4 min is fine', () => {
    const skewed = (ms: number) => batches({ count: 60, factors: honestCoal(8), delay: () => ms });
    const as = run(engineFor([site]), skewed(10 * MIN));
    expect(ofRule(as, 'clock-skew')).toHaveLength(1);
    expect(ofRule(as, 'late-data')).toEqual([]);
    expect(ofRule(run(engineFor([site]), skewed(4 * MIN)), 'clock-skew')).toEqual([]);
  });
});

describe('duplicate-timestamp', () => {
  it('flags the same DataTime with different values, never an identical resend', () => {
    const bs = batches({ count: 30, factors: honestCoal(8) });
    const changed: ReadingBatch = { ...bs[10]!, receivedAt: bs[10]!.receivedAt + 60_000, readings: bs[10]!.readings.map((r) => (r.code === 'a21026' ? { ...r, value: 5, text: '5.0' } : r)) };
    const as = ofRule(run(engineFor([site]), [...bs.slice(0, 15), changed, bs[12]!, ...bs.slice(15)]), 'duplicate-timestamp');
    expect(as).toHaveLength(1);
    expect(as[0]!.start).toBe(bs[10]!.dataTime);
    expect(as[0]!.evidence.statistic.value).toBe(1);
  });
});

describe('flag-abuse', () => {
  it('flags ≥ 3 maintenance-flagged hours that would have breached; daily 10-min calibration is fine', () => {
    const abuse = honestCoal(2, (i, _t, b) => {
      const h = Math.floor(i / 60);
      return h % 8 === 4 ? { ...b, a21026: { value: 48, converted: 48, flag: 'M' } } : b;
    });
    const as = ofRule(run(engineFor([site]), batches({ count: 36 * 60, factors: abuse })), 'flag-abuse');
    expect(as.length).toBeGreaterThanOrEqual(1);
    expect(as[0]!.evidence.statistic.name).toMatch(/would-be breach/);
    const calib = honestCoal(2, (i, _t, b) => (i % (24 * 60) < 10 ? { ...b, a21026: { value: 40, flag: 'C' } } : b));
    expect(ofRule(run(engineFor([site]), batches({ count: 3 * 24 * 60, interval: MIN, factors: calib })), 'flag-abuse')).toEqual([]);
  });
});

describe('bunching and low-variance (hourly packets)', () => {
  const hourly = (n: number, so2: (i: number, r: () => number) => number, seed = 5) => {
    const r = noise(seed);
    return batches({ count: n, interval: HOUR, kind: 'hour', factors: (i) => ({ a21026: { value: so2(i, r), converted: so2(i, r) }, [Factor.o2]: 6.5, [Factor.flow]: 300 + 30 * r() }) });
  };
  it('flags hourly values piled up just under the limit, not an honest spread below it', () => {
    const capped = hourly(96, (i, r) => (i % 3 === 0 ? 32.5 + 2 * Math.abs(r()) : 18 + 8 * r()));
    const b = ofRule(run(engineFor([site]), capped), 'bunching');
    expect(b.length).toBeGreaterThanOrEqual(1);
    expect(b[0]!.evidence.limit?.value).toBe(35);
    const honest = hourly(96, (_i, r) => 20 + 6 * r());
    expect(ofRule(run(engineFor([site]), honest), 'bunching')).toEqual([]);
  });
});

describe('low-variance', () => {
  it('flags within-hour variability collapsing against the device history for ≥ 6 h', () => {
    const r = noise(12);
    const bs = batches({
      count: 60 * 60, factors: honestCoal(12, (i, _t, b) => (i >= 52 * 60 && i < 59 * 60 ? { ...b, a21026: { value: Number((20 + 0.1 * Math.round(r())).toFixed(1)) } } : b)),
    });
    const as = ofRule(run(engineFor([site]), bs), 'low-variance');
    expect(as).toHaveLength(1);
    expect(as[0]!.start).toBe(T0 + 52 * HOUR);
  });
});

describe('parameters', () => {
  it('site overrides merge over defaults; bad overrides name rule and param', () => {
    const p = resolveRuleParams(makeSite({ rules: { flatline: { minMinutes: 45 } } }));
    expect(p.flatline.minMinutes).toBe(45);
    expect(p.flatline.minSamples).toBe(defaultRuleParams.flatline.minSamples);
    expect(() => resolveRuleParams(makeSite({ rules: { flatline: { minMinutes: 'x' } } }))).toThrow(/rules\.flatline\.minMinutes/);
    expect(() => resolveRuleParams(makeSite({ rules: { flatline: { bogus: 1 } } }))).toThrow(RuleParamsError);
    expect(() => resolveRuleParams(makeSite({ rules: { nosuch: {} } }))).toThrow(/rules\.nosuch: unknown rule id/);
  });
});
