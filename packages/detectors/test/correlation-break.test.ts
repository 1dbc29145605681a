import { describe, it, expect } from 'vitest';
import { Factor } from '@offsite/domain';
import { correlationBreak, defaultRuleParams, effectivePairs, HourlyStore, lag1Autocorrelation, type HourView } from '../src/index.js';
import { batches, engineFor, HOUR, makeSite, makeWaterSite, noise, ofRule, round, run, T0 } from './helpers.js';

const site = makeSite();
const params = defaultRuleParams['correlation-break'];

/** Deterministic standard normal draws (mulberry32 + Box–Muller). */
function gauss(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** AR(1) wander with stationary sd `sd` and lag-1 autocorrelation `phi` (hourly steps). */
function ar1(seed: number, sd: number, phi: number): () => number {
  const g = gauss(seed);
  let x = sd * g();
  return () => (x = phi * x + sd * Math.sqrt(1 - phi * phi) * g());
}

const daily = (i: number, phaseH: number) => Math.sin((2 * Math.PI * (i - phaseH)) / 24);

/** Store the hourly series and return the rule's context at index `at` (default: the last hour). */
function contextFor(series: { flow: number[]; pollutant: number[] }, code = 'a21026', s = site, at = series.flow.length - 1) {
  const store = new HourlyStore();
  const n = series.flow.length;
  const end = T0 + 200 * HOUR;
  const flowCode = s.kind === 'water' ? Factor.waterFlow : Factor.flow;
  const put = (c: string, hour: number, value: number) =>
    store.put(c, { hour, value, cv: 0.05, hasData: true, valid: true, operatorFlagged: false, flag: null, constant: false, notRunning: false, validShare: 1 } satisfies HourView);
  for (let k = 0; k < n; k++) {
    const h = end - (n - 1 - k) * HOUR;
    put(flowCode, h, series.flow[k]!);
    put(code, h, series.pollutant[k]!);
  }
  const hour = end - (n - 1 - at) * HOUR;
  return { mn: s.mn, site: s, code, hour, history: store, closedAt: hour + HOUR };
}

/**
 * Honest co-drift: flow and pollutant share a daily cycle (both peak in the afternoon), each with
 * its own slow AR(1) wander (hours of memory) and no hour-to-hour coupling — the wastewater outlet
 * of the simulators (NH3-N vs flow). Over 48 h the shared cycle gives r > 0.7; a day of drift then
 * takes r to about 0.
 */
function honestCoDrift(seed: number, hours = 120) {
  const flowWander = ar1(seed, 0.04, 0.37);
  const drift = ar1(seed + 1000, 0.1, 0.78);
  const flow: number[] = [];
  const pollutant: number[] = [];
  for (let i = 0; i < hours; i++) {
    flow.push(100 * (1 + 0.25 * daily(i, 14)) * (1 + flowWander()));
    pollutant.push(8 * (1 + 0.12 * daily(i, 15)) * (1 + drift()));
  }
  return { flow, pollutant };
}

/**
 * Genuine decoupling: load (daily cycle + AR(1) wander) drives flow and the pollutant hour by hour;
 * from `breakAt` the raw value is invented around its earlier mean with its own slow wander, and the
 * logger still converts it with the measured O2 (higher at low load), as a falsifier's would.
 */
function coupledThenDecoupled(seed: number, breakAt: number, hours = 77) {
  const load = ar1(seed, 0.04, 0.6);
  const own = ar1(seed + 1000, 0.03, 0.5);
  const invented = ar1(seed + 2000, 0.05, 0.5);
  const flow: number[] = [];
  const pollutant: number[] = [];
  for (let i = 0; i < hours; i++) {
    const l = 0.8 + 0.15 * daily(i, 10) + load();
    flow.push(300 * l * (1 + 0.01 * own()));
    const o2 = 5.6 + (3 * (1 - l)) / 0.55;
    pollutant.push(i < breakAt ? 60 * (0.1 + 0.9 * l) * (1 + own()) : (45 * (1 + invented()) * 15) / (21 - o2));
  }
  return { flow, pollutant };
}

describe('correlation-break: statistics', () => {
  it('lag-1 autocorrelation of an AR(1) series is close to its phi; gaps (NaN) are skipped', () => {
    const x = ar1(7, 1, 0.8);
    const series = Array.from({ length: 4000 }, () => x());
    expect(lag1Autocorrelation(series)).toBeCloseTo(0.8, 1);
    const withGaps = series.map((v, i) => (i % 10 === 3 ? Number.NaN : v));
    expect(lag1Autocorrelation(withGaps)).toBeCloseTo(0.8, 1);
    expect(lag1Autocorrelation([1, Number.NaN])).toBeNaN();
  });
  it('effective pairs: n(1 − ρxρy)/(1 + ρxρy); independent or anti-persistent products give n', () => {
    expect(effectivePairs(48, 0.9, 0.8)).toBeCloseTo((48 * 0.28) / 1.72, 6);
    expect(effectivePairs(48, 0, 0.9)).toBe(48);
    expect(effectivePairs(48, -0.5, 0.6)).toBe(48);
    expect(effectivePairs(48, Number.NaN, 0.6)).toBe(48);
  });
});

/** One-sided p of r_before > r_after taking every hour as independent (the rule's former test). */
function independentHoursP(rBefore: number, rAfter: number): number {
  const z = (Math.atanh(rBefore) - Math.atanh(rAfter)) / Math.sqrt(1 / (48 - 3) + 1 / (24 - 3));
  return 0.5 * (1 - erf(z / Math.SQRT2));
}
function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7)
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}

describe('correlation-break: rule', () => {
  it('honest: series that only share a daily cycle and drift slowly never fire, though their level r often falls from > 0.7 to < 0.1', () => {
    // Level conditions only: what the rule sees before its hour-to-hour tests.
    const levelsOnly = { ...params, beforeChangeMin: -1, pValue: 2 };
    const water = makeWaterSite();
    let levelBreaks = 0;
    let formerTestPassed = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const s = honestCoDrift(seed);
      for (let at = 71; at < s.flow.length; at++) {
        const levels = correlationBreak(contextFor(s, Factor.nh3n, water, at), levelsOnly);
        if (levels) {
          levelBreaks++;
          if (independentHoursP(levels.params.correlationBefore as number, levels.statistic.value) < 0.001) formerTestPassed++;
        }
        expect(correlationBreak(contextFor(s, Factor.nh3n, water, at), params)).toBeNull();
      }
    }
    // The failure mode is exercised: level breaks that the former test took for significant.
    expect(levelBreaks).toBeGreaterThanOrEqual(10);
    expect(formerTestPassed).toBeGreaterThanOrEqual(3);
  });
  it('flags a pollutant that followed flow hour by hour for 50 h and is written independently of it for the last day', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const series = coupledThenDecoupled(seed, 50);
      const f = correlationBreak(contextFor(series), params);
      expect(f, `seed ${seed}`).not.toBeNull();
      expect(f!.rule).toBe('correlation-break');
      expect(f!.params.correlationBefore as number).toBeGreaterThan(params.beforeMin);
      expect(f!.statistic.value).toBeLessThan(params.afterMax);
      expect(f!.params.changeCorrelationBefore as number).toBeGreaterThanOrEqual(params.beforeChangeMin);
      expect(f!.params.pFall as number).toBeLessThan(params.pValue);
      expect(f!.params.effectiveHoursAfter as number).toBeLessThanOrEqual(23);
      expect(f!.summary).toMatch(/hour-to-hour changes/);
    }
  });
  it('does not fire while the pollutant keeps following flow', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const series = coupledThenDecoupled(seed, 1e9, 120);
      for (let at = 71; at < 120; at++) expect(correlationBreak(contextFor(series, 'a21026', site, at), params)).toBeNull();
    }
  });
  it('parameters are honoured: a stricter hour-to-hour coupling or short windows leave the break unproven', () => {
    const ctx = contextFor(coupledThenDecoupled(3, 50));
    expect(correlationBreak(ctx, params)).not.toBeNull();
    expect(correlationBreak(ctx, { ...params, beforeChangeMin: 0.99 })).toBeNull();
    // 12 + 6 hours: too few effective hours for p < 0.001.
    expect(correlationBreak(ctx, { ...params, beforeHours: 12, afterHours: 6 })).toBeNull();
  });
});

/** Engine path: flow with a daily cycle plus noise; SO2 follows it until `breakAt`, then is written independently. */
function hourly(hours: number, breakAt: number, seed: number) {
  const n = noise(seed);
  return batches({
    count: hours, interval: HOUR, kind: 'hour', delay: () => HOUR + 8_000,
    factors: (i) => {
      const flow = round(300 * (1 + 0.15 * Math.sin((2 * Math.PI * i) / 24)) + 10 * n(), 1);
      const so2 = round(i < breakAt ? 20 * (flow / 300) + 0.3 * n() : 20 + 2.5 * n(), 1);
      return { a21026: { value: so2, converted: so2 }, [Factor.o2]: 6.5, [Factor.flow]: flow };
    },
  });
}

describe('correlation-break: engine', () => {
  it('reports one anomaly for SO2 that stops following flow, none while it follows', () => {
    const as = ofRule(run(engineFor([site]), hourly(96, 60, 3)), 'correlation-break');
    expect(as.length).toBeGreaterThanOrEqual(1);
    expect(as[0]!.pollutant).toBe('a21026');
    expect(as[0]!.end).toBeGreaterThan(T0 + 60 * HOUR);
    expect(as[0]!.evidence.params.pFall as number).toBeLessThan(0.001);
    expect(ofRule(run(engineFor([site]), hourly(96, 1e9, 4)), 'correlation-break')).toEqual([]);
  });
  it('per-site override reaches the rule', () => {
    const strict = makeSite({ rules: { 'correlation-break': { beforeChangeMin: 0.99 } } });
    expect(ofRule(run(engineFor([strict]), hourly(96, 60, 3)), 'correlation-break')).toEqual([]);
  });
});
