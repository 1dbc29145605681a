import { describe, it, expect } from 'vitest';
import { Factor } from '@offsite/domain';
import { batches, engineFor, honestCoal, HOUR, makeWaterSite, MIN, noise, ofRule, round, run, T0, makeSite, type FactorSpec } from './helpers.js';

const DAY = 24 * HOUR;

describe('copied-segment over a day', () => {
  it("finds 6 h of SO2 that repeat the same hours of the day before (lag 24 h, beyond the short table)", () => {
    const site = makeSite();
    const gen = honestCoal(61);
    const orig = Array.from({ length: 2 * 24 * 60 }, (_, i) => gen(i, T0 + i * MIN));
    const from = DAY + 14 * HOUR;
    const bs = batches({ count: orig.length, factors: (i, t) => (t >= T0 + from && t < T0 + from + 6 * HOUR ? orig[i - 24 * 60]! : orig[i]!) });
    const a = ofRule(run(engineFor([site]), bs), 'copied-segment');
    expect(a.length).toBeGreaterThanOrEqual(1);
    expect(a.every((x) => x.evidence.params.lagMs === DAY)).toBe(true);
    const so2 = a.filter((x) => x.pollutant === 'a21026');
    expect(so2).toHaveLength(1);
    expect(so2[0]!.start).toBeLessThan(T0 + from + HOUR);
    expect(so2[0]!.end).toBeGreaterThan(T0 + from + 5 * HOUR);
    expect(so2[0]!.end).toBeLessThanOrEqual(T0 + from + 6 * HOUR);
  });

  it('finds a water outlet copy at measurement-cycle resolution (NH3-N every hour, held in between)', () => {
    const site = makeWaterSite();
    const r = noise(71);
    const nh3 = Array.from({ length: 48 }, () => round(1.2 + 0.3 * r(), 3));
    const cod = Array.from({ length: 24 }, () => round(24 + 4 * r(), 1));
    const from = 24 + 14; // hour index where yesterday's values are copied in, for 6 h
    const copied = (h: number) => (h >= from && h < from + 6 ? h - 24 : h);
    const bs = batches({
      mn: site.mn, count: 2 * 24 * 60,
      factors: (i, t): Record<string, FactorSpec> => {
        const h = Math.floor(i / 60);
        return {
          w21003: { value: nh3[copied(h)]!, text: nh3[copied(h)]!.toFixed(3), sampleTime: T0 + h * HOUR },
          w01018: { value: cod[Math.floor(copied(h) / 2)]!, sampleTime: T0 + Math.floor(h / 2) * 2 * HOUR },
          // pH moves by a quantum now and then but does not repeat (not copied here).
          w01001: 7.1, [Factor.waterFlow]: round(100 + 10 * Math.sin(t / 7e6), 2),
        };
      },
    });
    const a = ofRule(run(engineFor([site]), bs), 'copied-segment');
    const onNh3 = a.filter((x) => x.pollutant === 'w21003');
    expect(onNh3).toHaveLength(1);
    expect(onNh3[0]!.evidence.params.mode).toBe('cycle');
    expect(onNh3[0]!.evidence.params.lagMs).toBe(DAY);
    expect(onNh3[0]!.start).toBeGreaterThanOrEqual(T0 + (from - 1) * HOUR);
  });

  it('honest: two days of honest coal data and of a water outlet repeat nothing', () => {
    expect(ofRule(run(engineFor([makeSite()]), batches({ count: 2 * 24 * 60, factors: honestCoal(62) })), 'copied-segment')).toEqual([]);
    const site = makeWaterSite();
    const r = noise(72);
    const nh3 = Array.from({ length: 48 }, () => round(1.2 + 0.3 * r(), 3));
    const bs = batches({ mn: site.mn, count: 2 * 24 * 60, factors: (i) => ({ w21003: { value: nh3[Math.floor(i / 60)]!, text: nh3[Math.floor(i / 60)]!.toFixed(3), sampleTime: T0 + Math.floor(i / 60) * HOUR }, w01001: round(7.1 + 0.02 * r(), 2) }) });
    expect(ofRule(run(engineFor([site]), bs), 'copied-segment')).toEqual([]);
  });
});

describe('copied-segment state in snapshots', () => {
  it('restores its index from a snapshot, and an index from the older format as empty', async () => {
    const { CopyIndex } = await import('../src/index.js');
    const c = new CopyIndex(128, 384, 5);
    c.table[3] = 42;
    c.pushCycle(1.5, 100);
    const back = CopyIndex.fromJSON(JSON.parse(JSON.stringify(c.toJSON())));
    expect(back.table[3]).toBe(42);
    expect(back.cycleValue(0)).toBe(1.5);
    const old = CopyIndex.fromJSON({ size: 384, hashes: 'AAAA', tsec: 'AAAA' } as unknown as Parameters<typeof CopyIndex.fromJSON>[0]);
    expect(old.table.length).toBe(2 * 384 + 2 * 256);
  });
});
