import { describe, it, expect } from 'vitest';
import { RuleId } from '@offsite/domain';
import { batches, engineFor, honestCoal, HOUR, makeSite, MIN, run, T0 } from './helpers.js';

describe('engine on an honest coal unit', () => {
  it('raises nothing over two days of honest 1-min data', () => {
    const site = makeSite({ wetFgd: true });
    const bs = batches({ count: 2 * 24 * 60, factors: honestCoal(11) });
    const as = run(engineFor([site]), bs);
    expect(as.map((a) => `${a.rule}:${a.pollutant}:${a.evidence.summary}`)).toEqual([]);
  });

  it('gives the same ids on replay and after snapshot/restore mid-stream', () => {
    const site = makeSite();
    const bs = batches({ count: 6 * 60, factors: honestCoal(3, (i, _t, b) => (i >= 120 && i < 200 ? { ...b, a21026: { value: 22.2, converted: 22.2 } } : b)) });
    const first = run(engineFor([site]), bs).map((a) => a.id).sort();
    expect(first.length).toBeGreaterThan(0);
    const e = engineFor([site]);
    const out = bs.slice(0, 150).flatMap((b) => e.ingest(b));
    const snap = JSON.parse(JSON.stringify(e.snapshot()));
    const e2 = engineFor([site]);
    e2.restore(snap);
    for (const b of bs.slice(150)) out.push(...e2.ingest(b));
    out.push(...e2.flush(bs[bs.length - 1]!.dataTime + 3 * HOUR));
    expect([...new Set(out.map((a) => a.id))].sort()).toEqual(first);
  });

  it('ignores identical resends', () => {
    const site = makeSite();
    const bs = batches({ count: 120, factors: honestCoal(5) });
    const doubled = bs.flatMap((b) => [b, { ...b, receivedAt: b.receivedAt + 30_000 }]);
    expect(run(engineFor([site]), doubled)).toEqual([]);
  });

  it('every anomaly carries a known rule id and deterministic detectedAt from event time', () => {
    const site = makeSite();
    const bs = batches({ count: 3 * 60, factors: honestCoal(9, (i, _t, b) => (i > 60 ? { ...b, a21026: { value: 0, converted: 0 } } : b)) });
    const as = run(engineFor([site]), bs);
    expect(as.length).toBeGreaterThan(0);
    for (const a of as) {
      expect(RuleId.options).toContain(a.rule);
      expect(a.detectedAt).toBeGreaterThanOrEqual(T0);
      expect(a.detectedAt).toBeLessThanOrEqual(T0 + 6 * HOUR);
    }
    void MIN;
  });
});
