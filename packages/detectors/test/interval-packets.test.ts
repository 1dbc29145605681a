import { describe, it, expect } from 'vitest';
import type { ReadingBatch } from '@offsite/domain';
import { batches, engineFor, honestCoal, HOUR, makeSite, MIN, ofRule, run, T0 } from './helpers.js';

// Interval packets (2051 minute, 2061 hourly, 2031 daily) carry the START of their interval as
// DataTime and are sent when the interval ends: lateness counts from the interval's end.
const site = makeSite();
const byArrival = (...lists: ReadingBatch[][]) => lists.flat().sort((a, b) => a.receivedAt - b.receivedAt);
const so2Only = () => ({ a21026: { value: 20, converted: 20 } });

describe('late-data on interval packets', () => {
  const rtd = batches({ count: 26 * 60, factors: honestCoal(4) });
  const hours = batches({ count: 25, kind: 'hour', interval: HOUR, factors: so2Only, delay: () => HOUR + 5_000 });
  const minutes = batches({ count: 25 * 6, kind: 'minute', interval: 10 * MIN, factors: so2Only, delay: () => 10 * MIN + 4_000 });

  it('an honest logger sending rtd, minute, hourly and daily packets on time raises nothing late', () => {
    const day = batches({ count: 1, kind: 'day', interval: 24 * HOUR, factors: so2Only, delay: () => 24 * HOUR + 6_000 });
    const as = run(engineFor([site]), byArrival(rtd, minutes, hours, day));
    expect(ofRule(as, 'late-data').map((a) => a.evidence.summary)).toEqual([]);
  });

  it('a daily packet sent 3 h after its day ended is late; an hourly packet 2 h after its hour ended too', () => {
    const day = batches({ count: 1, kind: 'day', interval: 24 * HOUR, factors: so2Only, delay: () => 27 * HOUR });
    const lateDay = ofRule(run(engineFor([site]), byArrival(rtd, day)), 'late-data');
    expect(lateDay).toHaveLength(1);
    expect(lateDay[0]!.evidence.statistic.value).toBeCloseTo(180, 0);
    const lateHour = hours.map((b, i) => (i === 5 ? { ...b, receivedAt: b.dataTime + 3 * HOUR } : b));
    expect(ofRule(run(engineFor([site]), byArrival(rtd, lateHour)), 'late-data')).toHaveLength(1);
  });

  it('minute packets use the logger minute window (inferred from their spacing), not the rtd cadence', () => {
    // 55 min after a 10-min window ended is on time (64 min after DataTime + the 1-min rtd cadence); 75 min is late.
    const held = minutes.map((b, i) => (i === 40 ? { ...b, receivedAt: b.dataTime + 10 * MIN + 55 * MIN } : i === 80 ? { ...b, receivedAt: b.dataTime + 10 * MIN + 75 * MIN } : b));
    const late = ofRule(run(engineFor([site]), byArrival(rtd, held)), 'late-data');
    expect(late).toHaveLength(1);
    expect(late[0]!.start).toBe(T0 + 80 * 10 * MIN);
  });
});
