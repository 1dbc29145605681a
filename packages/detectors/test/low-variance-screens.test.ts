import { describe, it, expect } from 'vitest';
import { Factor } from '@offsite/domain';
import { batches, engineFor, HOUR, makeSite, noise, ofRule, round, run, T0 } from './helpers.js';

const coal = makeSite(); // SO2 range 200: 2 % = 4 mg/m³
const gas = makeSite({ mn: 'MN-GAS-1', o2Ref: 3.5, limits: { a21026: 50, a21002: 50, a34013: 20 }, ranges: { a21026: 100, a21002: 200, a34013: 50 }, normalFlow: 6 });

/** Hourly packets (2061): flow with a daily load cycle, SO2 from `so2(i, flow, r)`. */
function hourly(site: typeof coal, hours: number, so2: (i: number, flow: number, r: () => number) => number, seed: number) {
  const r = noise(seed);
  return batches({
    mn: site.mn, count: hours, interval: HOUR, kind: 'hour', delay: () => HOUR + 8_000,
    factors: (i) => {
      const flow = round(300 * (1 + 0.15 * Math.sin((2 * Math.PI * i) / 24)) + 8 * r(), 1);
      const v = round(so2(i, flow, r), 1);
      return { a21026: { value: v, converted: v }, [Factor.o2]: 6.5, [Factor.flow]: flow };
    },
  });
}
const screen = (as: ReturnType<typeof run>, name: string) => ofRule(as, 'low-variance').filter((a) => a.evidence.params.screen === name);

describe('low-variance: within 2 % of the analyzer range', () => {
  it('flags SO2 written within ±1 mg/m³ of 20 for 30 h while the load (flow) swings ±15 %', () => {
    const bs = hourly(coal, 72, (i, flow, r) => (i >= 40 ? 20 + r() : (20 * flow) / 300 + 2 * r()), 3);
    const a = screen(run(engineFor([coal]), bs), 'narrow-band');
    expect(a).toHaveLength(1);
    // The run reaches back into honest hours that happened to lie in the band.
    expect(a[0]!.start).toBeGreaterThanOrEqual(T0 + 30 * HOUR);
    expect(a[0]!.end).toBe(T0 + 72 * HOUR);
    expect(a[0]!.evidence.statistic.value).toBeLessThanOrEqual(0.02);
  });
  it('honest: SO2 that follows the load spans more than 2 % of range; a steady load with steady SO2 is not flagged', () => {
    expect(ofRule(run(engineFor([coal]), hourly(coal, 72, (_i, flow, r) => (20 * flow) / 300 + 2 * r(), 4)), 'low-variance')).toEqual([]);
    const steady = batches({ count: 72, interval: HOUR, kind: 'hour', factors: () => ({ a21026: { value: 20, converted: 20 }, [Factor.o2]: 6.5, [Factor.flow]: 300 }) });
    expect(screen(run(engineFor([coal]), steady), 'narrow-band')).toEqual([]);
  });
});

describe('low-variance: hovering at the detection limit', () => {
  it('flags a coal unit whose SO2 (usually ~20) sits at 1–2 mg/m³ for 8 h', () => {
    const bs = hourly(coal, 80, (i, flow, r) => (i >= 60 && i < 68 ? 1.5 + 0.4 * r() : (20 * flow) / 300 + 2 * r()), 5);
    const a = screen(run(engineFor([coal]), bs), 'at-detection-limit');
    expect(a).toHaveLength(1);
    expect(a[0]!.start).toBe(T0 + 60 * HOUR);
  });
  it('honest: a gas unit whose SO2 always runs at ~3 (its own history) is not flagged', () => {
    const bs = hourly(gas, 96, (_i, _f, r) => 3 + 0.3 * r(), 6).map((b) => ({ ...b, readings: b.readings.map((x) => (x.code === Factor.flow ? { ...x, value: round(x.value! / 50, 3), text: (x.value! / 50).toFixed(3) } : x)) }));
    expect(ofRule(run(engineFor([gas]), bs), 'low-variance')).toEqual([]);
  });
});
