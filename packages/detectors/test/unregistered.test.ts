import { describe, it, expect } from 'vitest';
import { batches, engineFor, honestCoal, HOUR, MIN, ofRule, run, T0 } from './helpers.js';

/** An MN that is not in the registry: no limits, ranges or normal flow, yet checked by the rules that need none. */
describe('unregistered device', () => {
  const mn = 'MN-NOT-IN-REGISTRY';
  const factors = honestCoal(5, (i, _t, b) => {
    if (i >= 120 && i < 240) return { ...b, a21026: { value: 400, converted: 400 } }; // would breach any SO2 limit
    if (i >= 300 && i < 330) return { ...b, a21026: { value: 0, converted: 0 } }; // zeros while the plant runs
    return b;
  });

  it('raises limit-free rules (zero-value) but never breach', () => {
    const as = run(engineFor([]), batches({ mn, count: 6 * 60, factors }));
    expect(ofRule(as, 'breach')).toEqual([]);
    const zeros = ofRule(as, 'zero-value');
    expect(zeros).toHaveLength(1);
    expect(zeros[0]!.mn).toBe(mn);
    expect(zeros[0]!.start).toBe(T0 + 300 * MIN);
    expect(zeros[0]!.end).toBeLessThanOrEqual(T0 + 5 * HOUR + 31 * MIN);
  });

  it('checks data quality too: a repeated DataTime with different values is a duplicate-timestamp', () => {
    const bs = batches({ mn, count: 120, factors: honestCoal(6) });
    const resent = { ...bs[60]!, receivedAt: bs[60]!.receivedAt + MIN, readings: bs[60]!.readings.map((r) => (r.code === 'a21026' ? { ...r, value: 99.9, text: '99.9' } : r)) };
    const as = run(engineFor([]), [...bs.slice(0, 62), resent, ...bs.slice(62)]);
    expect(ofRule(as, 'duplicate-timestamp').map((a) => a.mn)).toEqual([mn]);
  });
});
