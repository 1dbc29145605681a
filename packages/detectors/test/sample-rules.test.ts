import { describe, it, expect } from 'vitest';
import { Factor } from '@offsite/domain';
import { batches, engineFor, honestCoal, makeSite, MIN, ofRule, run, T0, HOUR, type FactorSpec } from './helpers.js';

const site = makeSite();
const hold = (from: number, to: number, f: (b: Record<string, FactorSpec>, i: number) => Record<string, FactorSpec>) =>
  honestCoal(21, (i, _t, b) => (i >= from && i < to ? f(b, i) : b));

describe('flatline', () => {
  it('flags SO2 held at one written value for ≥ 30 min while running', () => {
    const bs = batches({ count: 240, factors: hold(60, 120, (b) => ({ ...b, a21026: { value: 21.4, converted: 21.4 } })) });
    const a = ofRule(run(engineFor([site]), bs), 'flatline');
    expect(a).toHaveLength(1);
    expect(a[0]!.pollutant).toBe('a21026');
    expect(a[0]!.start).toBe(T0 + 60 * MIN);
    expect(a[0]!.end).toBe(T0 + 119 * MIN);
    expect(a[0]!.evidence.readings.some((r) => r.text === '21.4')).toBe(true);
  });
  it('boundary: 28 identical minutes is not a flatline', () => {
    const bs = batches({ count: 240, factors: hold(60, 88, (b) => ({ ...b, a21026: { value: 21.4, converted: 21.4 } })) });
    expect(ofRule(run(engineFor([site]), bs), 'flatline')).toEqual([]);
  });
  it('honest: a gas unit reading 0.0 SO2 (below the floor) and a plant shut down are not flatlines', () => {
    const bs = batches({
      count: 240,
      factors: hold(0, 240, (b, i) => ({ ...b, a21026: { value: 1.0, converted: 1.0 }, ...(i > 120 ? { [Factor.o2]: 20.9, [Factor.flow]: 0, a21002: { value: 0, flag: 'F' } } : {}) })),
    });
    const as = run(engineFor([site]), bs);
    expect(ofRule(as, 'flatline')).toEqual([]);
    expect(ofRule(as, 'zero-value')).toEqual([]);
  });
});

describe('zero-value', () => {
  it('flags zero SO2 while the plant runs for ≥ 15 min', () => {
    const bs = batches({ count: 120, factors: hold(40, 70, (b) => ({ ...b, a21026: { value: 0, converted: 0 } })) });
    const a = ofRule(run(engineFor([site]), bs), 'zero-value');
    expect(a).toHaveLength(1);
    expect(a[0]!.start).toBe(T0 + 40 * MIN);
  });
  it('boundary: 13 minutes of zero is not flagged; zero during shutdown (flow 0, O2 21) is not flagged', () => {
    const short = batches({ count: 120, factors: hold(40, 53, (b) => ({ ...b, a21026: { value: 0, converted: 0 } })) });
    expect(ofRule(run(engineFor([site]), short), 'zero-value')).toEqual([]);
    const off = batches({ count: 120, factors: hold(40, 80, (b) => ({ ...b, a21026: { value: 0, flag: 'F' }, [Factor.o2]: 20.8, [Factor.flow]: 0 })) });
    expect(ofRule(run(engineFor([site]), off), 'zero-value')).toEqual([]);
  });
});

describe('stuck-at-range', () => {
  it('flags values pinned at the analyzer range, not a 5-minute spike', () => {
    const long = batches({ count: 120, factors: hold(40, 60, (b) => ({ ...b, a21026: { value: 200, converted: 200 } })) });
    expect(ofRule(run(engineFor([site]), long), 'stuck-at-range')).toHaveLength(1);
    const spike = batches({ count: 120, factors: hold(40, 45, (b) => ({ ...b, a21026: { value: 200, flag: 'T' } })) });
    expect(ofRule(run(engineFor([site]), spike), 'stuck-at-range')).toEqual([]);
  });
});

describe('dilution', () => {
  const diluted = (b: Record<string, FactorSpec>) => {
    const so2 = 8.1;
    return { ...b, a21026: { value: so2, converted: Number(((so2 * 15) / (21 - 6.5)).toFixed(1)) }, [Factor.o2]: 10.5 };
  };
  it('flags raw SO2 collapsing with O2 up 4 points, flow steady and the converted value falling', () => {
    const bs = batches({ count: 180, factors: hold(60, 120, diluted) });
    const a = ofRule(run(engineFor([site]), bs), 'dilution');
    expect(a).toHaveLength(1);
    expect(a[0]!.start).toBe(T0 + 60 * MIN);
    expect(a[0]!.evidence.summary).toMatch(/O2 rose/);
  });
  it('honest: whole-sample dilution (converted unchanged) and shutdown (flow falls) are not dilution', () => {
    const honestAir = (b: Record<string, FactorSpec>) => {
      const raw = (20 * (21 - 12.5)) / (21 - 6.5);
      return { ...b, a21026: { value: Number(raw.toFixed(1)), converted: Number(((raw * 15) / (21 - 12.5)).toFixed(1)) }, [Factor.o2]: 12.5 };
    };
    const bs = batches({ count: 180, factors: hold(60, 120, honestAir) });
    expect(ofRule(run(engineFor([site]), bs), 'dilution')).toEqual([]);
    const shutdown = batches({ count: 180, factors: hold(60, 120, (b) => ({ ...diluted(b), [Factor.flow]: 120 })) });
    expect(ofRule(run(engineFor([site]), shutdown), 'dilution')).toEqual([]);
  });
});

describe('converted-mismatch', () => {
  it('flags a logger converted value 20 % off the formula for ≥ 30 min; 3 % off is fine', () => {
    const off = (k: number) => hold(30, 100, (b) => {
      const so2 = b.a21026 as { value: number; converted: number };
      return { ...b, a21026: { value: so2.value, converted: Number((so2.converted * k).toFixed(1)) } };
    });
    const bad = ofRule(run(engineFor([site]), batches({ count: 150, factors: off(0.8) })), 'converted-mismatch');
    expect(bad).toHaveLength(1);
    expect(bad[0]!.start).toBe(T0 + 30 * MIN);
    expect(ofRule(run(engineFor([site]), batches({ count: 150, factors: off(0.97) })), 'converted-mismatch')).toEqual([]);
  });
});

describe('step-drop', () => {
  it('flags SO2 falling by 70 % with flow and O2 unchanged, held 40 min', () => {
    const bs = batches({ count: 180, factors: hold(60, 100, (b) => ({ ...b, a21026: { value: Number(((b.a21026 as { value: number }).value * 0.3).toFixed(1)) } })) });
    const a = ofRule(run(engineFor([site]), bs), 'step-drop');
    expect(a).toHaveLength(1);
    expect(a[0]!.start).toBe(T0 + 60 * MIN);
  });
  it('honest: a load drop that moves flow with SO2 is not a step-drop', () => {
    const bs = batches({ count: 180, factors: hold(60, 100, (b) => ({ ...b, a21026: { value: Number(((b.a21026 as { value: number }).value * 0.3).toFixed(1)) }, [Factor.flow]: 90 })) });
    const got = ofRule(run(engineFor([site]), bs), 'step-drop');
    expect(got.map((a) => a.evidence.summary)).toEqual([]);
  });
});

describe('physics-inconsistent', () => {
  it('flags flow with zero velocity for ≥ 10 min, and moisture over 100 %', () => {
    const bs = batches({ count: 120, factors: hold(30, 60, (b) => ({ ...b, [Factor.velocity]: 0, [Factor.moisture]: 104 })) });
    const a = ofRule(run(engineFor([site]), bs), 'physics-inconsistent');
    expect(a.map((x) => x.evidence.params.check).sort()).toEqual(['flow-vs-velocity-area', 'flow-without-velocity', 'moisture-over-100'].filter((c) => a.some((x) => x.evidence.params.check === c)).sort());
    expect(a.some((x) => x.evidence.params.check === 'flow-without-velocity')).toBe(true);
    expect(a.some((x) => x.evidence.params.check === 'moisture-over-100')).toBe(true);
  });
  it('flags a hot dry flue at a wet-FGD site only', () => {
    const bypass = batches({ count: 120, factors: hold(30, 60, (b) => ({ ...b, [Factor.temperature]: 125, [Factor.moisture]: 3 })) });
    const wet = makeSite({ wetFgd: true });
    expect(ofRule(run(engineFor([wet]), bypass), 'physics-inconsistent').some((x) => x.evidence.params.check === 'hot-dry-flue')).toBe(true);
    expect(ofRule(run(engineFor([site]), bypass), 'physics-inconsistent').some((x) => x.evidence.params.check === 'hot-dry-flue')).toBe(false);
  });
});

describe('copied-segment', () => {
  it('flags 30 samples that repeat an earlier stretch offset by a constant', () => {
    const gen = honestCoal(33);
    const orig = Array.from({ length: 200 }, (_, i) => gen(i, T0 + i * MIN));
    const so2 = (i: number) => (orig[i]!.a21026 as { value: number }).value;
    const bs = batches({
      count: 200,
      factors: (i) => {
        const b = orig[i]!;
        if (i >= 150 && i < 180) return { ...b, a21026: { value: Number((so2(i - 100) + 1.5).toFixed(1)) } };
        return b;
      },
    });
    const a = ofRule(run(engineFor([site]), bs), 'copied-segment');
    expect(a.map((x) => [(x.start - T0) / MIN, (x.end - T0) / MIN])).toEqual([[150, 179]]);
    expect(a[0]!.evidence.params.lagMs).toBe(100 * MIN);
  });
  it('honest noise over a day does not repeat', () => {
    const bs = batches({ count: 24 * 60, factors: honestCoal(44) });
    expect(ofRule(run(engineFor([site]), bs), 'copied-segment')).toEqual([]);
  });
});

describe('terminal-digit', () => {
  it('flags typed-looking values (last digit mostly 0 or 5) over ≥ 200 values, not honest ones', () => {
    const r = [0, 5, 0, 5, 0, 3, 5, 0, 8, 5];
    const typed = batches({ count: 400, decimals: 0, factors: honestCoal(5, (i, _t, b) => ({ ...b, a21002: { value: 20 + ((i * 37) % 40) - (((i * 37) % 40) % 10) + r[i % 10]! } })) });
    expect(ofRule(run(engineFor([site]), typed), 'terminal-digit')).toHaveLength(1);
    const honest = batches({ count: 400, factors: honestCoal(6) });
    expect(ofRule(run(engineFor([site]), honest), 'terminal-digit')).toEqual([]);
  });
});

void HOUR;
