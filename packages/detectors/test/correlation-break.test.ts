import { describe, it, expect } from 'vitest';
import { Factor } from '@offsite/domain';
import { correlationBreak, defaultRuleParams, HourlyStore, type HourView } from '../src/index.js';
import { batches, engineFor, HOUR, makeSite, noise, ofRule, round, run, T0 } from './helpers.js';

const site = makeSite();
/** Flow with a daily load cycle plus noise; SO2 follows it (r ≈ 0.9) until `breakAt`, then is written independently of it. */
function hourly(hours: number, breakAt: number, seed: number, wander = 0) {
  const r = noise(seed);
  let drift = 0;
  return batches({
    count: hours, interval: HOUR, kind: 'hour', delay: () => HOUR + 8_000,
    factors: (i) => {
      const flow = round(300 * (1 + 0.15 * Math.sin((2 * Math.PI * i) / 24)) + 10 * r(), 1);
      drift += wander * r();
      const follows = 20 * (flow / 300) + drift + 0.8 * r();
      const so2 = round(i < breakAt ? follows : 20 + 2.5 * r(), 1);
      return { a21026: { value: so2, converted: so2 }, [Factor.o2]: 6.5, [Factor.flow]: flow };
    },
  });
}

describe('correlation-break', () => {
  it('flags SO2 that followed flow for two days and stops following it for a day while flow keeps moving', () => {
    const as = ofRule(run(engineFor([site]), hourly(96, 60, 3)), 'correlation-break');
    expect(as).toHaveLength(1);
    expect(as[0]!.pollutant).toBe('a21026');
    expect(as[0]!.start).toBeGreaterThanOrEqual(T0 + 60 * HOUR);
    expect(as[0]!.evidence.params.pFall as number).toBeLessThan(0.001);
  });
  it('honest: SO2 that keeps following flow, or whose correlation merely wanders, is not flagged', () => {
    expect(ofRule(run(engineFor([site]), hourly(96, 1e9, 4)), 'correlation-break')).toEqual([]);
    expect(ofRule(run(engineFor([site]), hourly(96, 1e9, 5, 0.6)), 'correlation-break')).toEqual([]);
  });
  it('needs the fall to be significant: r ≈ 0.9 → 0.2 is a break over 48 + 24 hourly points, chance over 12 + 6', () => {
    const store = new HourlyStore();
    const put = (code: string, hour: number, value: number) => store.put(code, { hour, value, cv: 0.05, hasData: true, valid: true, operatorFlagged: false, flag: null, constant: false, notRunning: false, validShare: 1 } satisfies HourView);
    const r = noise(9);
    const end = T0 + 100 * HOUR;
    for (let k = 0; k < 72; k++) {
      const h = end - (71 - k) * HOUR;
      const flow = 300 + 40 * Math.sin(k / 3) + 5 * r();
      put(Factor.flow, h, flow);
      put('a21026', h, k < 48 ? 20 + 0.05 * (flow - 300) + 0.9 * r() : 20 + 1.5 * r());
    }
    const ctx = { mn: site.mn, site, code: 'a21026', hour: end, history: store, closedAt: end + HOUR };
    const p = { ...defaultRuleParams['correlation-break'], afterMax: 0.3 };
    const long = correlationBreak(ctx, p);
    expect(long!.statistic.value).toBeCloseTo(0.2, 1);
    expect(long!.params.pFall as number).toBeLessThan(1e-6);
    expect(correlationBreak(ctx, { ...p, beforeHours: 12, afterHours: 6 })).toBeNull();
  });
});
