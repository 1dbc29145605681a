import { describe, expect, it } from 'vitest';
import { buildPacket, crc16, crcHex, parsePacket, toReadingBatch, Hj212Error } from '../src/index.js';

const STANDARD_EXAMPLE = '##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80';

describe('crc16', () => {
  it('matches the standard example 1C80', () => {
    expect(crcHex(crc16('QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&'))).toBe('1C80');
  });
  it('gives the same result for bytes and strings', () => {
    const text = 'QN=1;ST=32;CN=2011;MN=设备;CP=&&&&';
    expect(crc16(text)).toBe(crc16(Buffer.from(text, 'utf8')));
  });
});

describe('parsePacket', () => {
  it('parses the standard example', () => {
    const p = parsePacket(STANDARD_EXAMPLE + '\r\n');
    expect(p).toMatchObject({ qn: '20160801085857223', st: '32', cn: '1062', pw: '100000', mn: '010000A8900016F000169DC0', flag: 5, version: '2017', crc: '1C80', length: 101 });
    expect(p.flagBits).toEqual({ value: 5, version: 1, ackRequested: true, subPacket: false });
    expect(p.data.rtdInterval).toBe(30);
    expect(p.items).toEqual([{ key: 'RtdInterval', value: '30', group: 0 }]);
    expect(p.warnings).toEqual([]);
  });
  it('rejects a CRC mismatch with a typed error', () => {
    const bad = STANDARD_EXAMPLE.slice(0, -4) + '1C81';
    expect(() => parsePacket(bad)).toThrowError(Hj212Error);
    try {
      parsePacket(bad);
    } catch (err) {
      expect((err as Hj212Error).code).toBe('CRC_MISMATCH');
      expect((err as Hj212Error).message).toContain('1C81');
    }
  });
});

describe('buildPacket', () => {
  it('reproduces the standard example', () => {
    const frame = buildPacket({ qn: '20160801085857223', st: '32', cn: '1062', pw: '100000', mn: '010000A8900016F000169DC0', flag: 5, cp: { RtdInterval: '30' } });
    expect(frame).toBe(STANDARD_EXAMPLE + '\r\n');
  });
  it('groups factor keys with "," and others with ";"', () => {
    const frame = buildPacket({ st: '31', cn: '2011', mn: 'M', flag: 4, cp: { DataTime: '20240101000000', 'a21026-Rtd': '1.0', 'a21026-Flag': 'N', 'a19001-Rtd': '9' } }, { crlf: false });
    expect(frame).toContain('CP=&&DataTime=20240101000000;a21026-Rtd=1.0,a21026-Flag=N;a19001-Rtd=9&&');
    expect(parsePacket(frame).cp['a21026-Rtd']).toBe('1.0');
  });
});

describe('toReadingBatch', () => {
  it('turns a real-time packet into readings', () => {
    const frame = buildPacket({ qn: '20240101000000000', st: '31', cn: '2011', pw: '1', mn: 'M1', flag: 5, cp: { DataTime: '20240101080000', 'a21026-Rtd': '12.30', 'a21026-ZsRtd': '15.1', 'a21026-Flag': 'N' } });
    const batch = toReadingBatch(parsePacket(frame), { receivedAt: 1, source: 'tcp' });
    expect(batch.dataTime).toBe(Date.UTC(2024, 0, 1, 0, 0, 0));
    expect(batch.kind).toBe('rtd');
    expect(batch.readings).toEqual([{ code: 'a21026', value: 12.3, text: '12.30', converted: 15.1, flag: 'N' }]);
  });
});
