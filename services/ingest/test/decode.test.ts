import { describe, expect, it } from 'vitest';
import { buildPacket } from '@offsite/hj212';
import { decodeReadingBatch, formatDataTime } from '@offsite/domain';
import { decodeUpload, type DecodeConfig } from '../src/decode.js';

const NOW = Date.UTC(2025, 5, 1, 4, 0, 0);
const cfg: DecodeConfig = { maxFrameBytes: 16_384, offsetOf: (mn) => (mn === 'IN0001' ? 330 : undefined) };
const frame = (o: { mn?: string; cn?: string; flag?: number; pnum?: number; pno?: number; cp?: Record<string, string> } = {}) =>
  buildPacket({ qn: formatDataTime(NOW, true), st: '31', cn: o.cn ?? '2011', pw: '123456', mn: o.mn ?? 'MN0001', flag: o.flag ?? 5, pnum: o.pnum, pno: o.pno, cp: o.cp ?? { DataTime: formatDataTime(NOW), 'a21026-Rtd': '12.50', 'a21026-Flag': 'N' } });

describe('decodeUpload', () => {
  it('takes a whole data packet: readings message, identities, ack, skew', () => {
    const d = decodeUpload(Buffer.from(frame()), NOW + 2_000, 'mqtt', cfg);
    if (!d.fast) throw new Error('expected the fast path');
    expect(d.mn).toBe('MN0001');
    expect(d.qnKey).toBe(`q|MN0001|2011|${formatDataTime(NOW, true)}`);
    expect(d.keys).toHaveLength(2);
    expect(d.keys[0]).toMatch(/^c\|MN0001\|2011\|\d{14}\|[0-9a-z]{1,7}\.[0-9a-z]{1,7}$/);
    expect(d.ack).toMatch(/CN=9014/);
    expect(d.skewMs).toBe(-2_000);
    const msg = decodeReadingBatch(d.json);
    expect(msg.ok && msg.batch).toMatchObject({ mn: 'MN0001', kind: 'rtd', dataTime: NOW, receivedAt: NOW + 2_000, source: 'mqtt', readings: [{ code: 'a21026', value: 12.5, text: '12.50', flag: 'N' }] });
    expect(d.readings).toBe(1);
    expect(d.dataTime).toBe(NOW);
  });

  it('reads DataTime at the site offset', () => {
    const d = decodeUpload(frame({ mn: 'IN0001' }), NOW, 'tcp', cfg);
    expect(d.fast && d.dataTime).toBe(NOW + 150 * 60_000); // +5:30 instead of +8
  });

  it('leaves everything else to the full path: broken, not data, one part of a split packet, no ack asked', () => {
    expect(decodeUpload('##0010garbage', NOW, 'mqtt', cfg)).toEqual({ fast: false });
    expect(decodeUpload(frame({ cn: '2081', cp: { RestartTime: formatDataTime(NOW) } }), NOW, 'mqtt', cfg)).toEqual({ fast: false });
    expect(decodeUpload(frame({ flag: 7, pnum: 2, pno: 1 }), NOW, 'mqtt', cfg)).toEqual({ fast: false });
    const noAck = decodeUpload(frame({ flag: 4 }), NOW, 'mqtt', cfg);
    expect(noAck.fast && noAck.ack).toBeUndefined();
  });

  it('gives the same content identity to the same items however the frame was sent', () => {
    const a = decodeUpload(frame(), NOW, 'mqtt', cfg);
    const b = decodeUpload(frame(), NOW + 60_000, 'tcp', cfg);
    const other = decodeUpload(frame({ cp: { DataTime: formatDataTime(NOW), 'a21026-Rtd': '12.51', 'a21026-Flag': 'N' } }), NOW, 'mqtt', cfg);
    expect(a.fast && b.fast && a.keys[0] === b.keys[0]).toBe(true);
    expect(a.fast && other.fast && a.keys[0] !== other.keys[0]).toBe(true);
  });
});
