import { describe, expect, it } from 'vitest';
import { buildPacket, parsePacket, Reassembler, type Hj212Packet } from '../src/index.js';

function part(pno: number, pnum: number, cp: Record<string, string>, qn = '20240101000000100'): Hj212Packet {
  return parsePacket(buildPacket({ qn, st: '31', cn: '2051', pw: '1', mn: 'MN1', flag: 7, pnum, pno, cp: { DataTime: '20240101075000', ...cp } }));
}

describe('Reassembler', () => {
  it('passes non-split packets through at once', () => {
    const r = new Reassembler();
    const p = parsePacket(buildPacket({ qn: '1', st: '31', cn: '2011', mn: 'M', flag: 4, cp: {} }));
    expect(r.push(p, 0)).toEqual([{ status: 'complete', packet: p, parts: [p] }]);
  });

  it('joins parts arriving out of order into one packet', () => {
    const r = new Reassembler();
    expect(r.push(part(2, 2, { 'a34013-Avg': '3.0' }), 0)).toEqual([]);
    const [res] = r.push(part(1, 2, { 'a21026-Avg': '12.0', 'a21026-Flag': 'N' }), 10);
    expect(res?.status).toBe('complete');
    if (res?.status !== 'complete') return;
    expect(res.packet.data.pollutants.map((p) => p.code)).toEqual(['a21026', 'a34013']);
    expect(res.packet.items.filter((i) => i.key === 'DataTime')).toHaveLength(1);
    expect(res.packet.pnum).toBe(2);
    expect(res.packet.pno).toBeNull();
    expect(r.pending).toBe(0);
  });

  it('reports an incomplete set after the timeout, listing the missing PNOs', () => {
    const r = new Reassembler({ timeoutMs: 1000 });
    r.push(part(1, 3, { 'a21026-Avg': '1' }), 0);
    r.push(part(3, 3, { 'a21002-Avg': '2' }), 100);
    expect(r.expire(999)).toEqual([]);
    const [res] = r.expire(1000);
    expect(res).toMatchObject({ status: 'incomplete', reason: 'timeout', mn: 'MN1', cn: '2051', pnum: 3, received: [1, 3], missing: [2] });
    expect(res?.parts).toHaveLength(2);
  });

  it('evicts the oldest set when the buffer is full', () => {
    const r = new Reassembler({ maxSets: 2 });
    r.push(part(1, 2, {}, '20240101000000001'), 0);
    r.push(part(1, 2, {}, '20240101000000002'), 1);
    const out = r.push(part(1, 2, {}, '20240101000000003'), 2);
    expect(out).toEqual([expect.objectContaining({ status: 'incomplete', reason: 'evicted', qn: '20240101000000001', missing: [2] })]);
    expect(r.pending).toBe(2);
  });

  it('keeps the first copy of a repeated part and says so', () => {
    const r = new Reassembler();
    r.push(part(1, 2, { 'a21026-Avg': '1' }), 0);
    r.push(part(1, 2, { 'a21026-Avg': '9' }), 1);
    const [res] = r.push(part(2, 2, {}), 2);
    if (res?.status !== 'complete') throw new Error('expected complete');
    expect(res.packet.cp['a21026-Avg']).toBe('1');
    expect(res.packet.warnings.map((w) => w.code)).toContain('DUPLICATE_PART');
  });

  it('flush reports what is pending', () => {
    const r = new Reassembler();
    r.push(part(2, 2, {}), 0);
    expect(r.flush()).toEqual([expect.objectContaining({ reason: 'flushed', missing: [1] })]);
  });
});
