import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDataTime } from '@offsite/domain';
import { epochOfDataTime } from '../src/data-time.js';
import { buildFrame, buildPacket, crc16, crc16Ascii, crc16AsciiBytes, crc16Bytes, interpretCp, parseCpBody, parseDecimal, parsePacket, scanCp, toReadingBatch } from '../src/index.js';

/** The standard's CRC, bit by bit (no table): the reference the table/slicing version must match. */
function crcBitByBit(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc = (crc >>> 8) ^ byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

describe('CRC (4 bytes per step)', () => {
  it('matches the bit-by-bit definition for every length and offset', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), fc.nat(3), fc.nat(3), (bytes, cutStart, cutEnd) => {
        const start = Math.min(cutStart, bytes.length);
        const end = Math.max(start, bytes.length - cutEnd);
        expect(crc16Bytes(bytes, start, end)).toBe(crcBitByBit(bytes.subarray(start, end)));
        const ascii8 = bytes.subarray(start, end).every((b) => b < 0x80);
        expect(crc16AsciiBytes(bytes, start, end)).toBe(ascii8 ? crcBitByBit(bytes.subarray(start, end)) : -1);
        const ascii = Array.from(bytes, (b) => String.fromCharCode(b & 0x7f)).join('');
        expect(crc16Ascii(ascii, start, end)).toBe(crcBitByBit(Buffer.from(ascii.slice(start, end), 'latin1')));
      }),
      { numRuns: 400 },
    );
  });
  it('reports a non-ASCII char wherever it sits in a 4-char block', () => {
    for (let at = 0; at < 9; at++) {
      const text = 'ABCDEFGHI'.slice(0, at) + 'é' + 'ABCDEFGHI'.slice(at);
      expect(crc16Ascii(text, 0, text.length)).toBe(-1);
      expect(crc16AsciiBytes(Buffer.from(text, 'utf8'), 0, Buffer.byteLength(text))).toBe(-1);
      expect(crc16(text)).toBe(crcBitByBit(Buffer.from(text, 'utf8')));
    }
  });
});

describe('parseDecimal', () => {
  it('gives exactly what Number() gives for plain decimals (digit fast path)', () => {
    const samples = ['0', '-0', '-0.0', '+0', '.5', '1.', '-.5', '007', '12.30', '0.1', '0.2', '0.3', '2.675', '1.005', '999999999999999', '9999999999999999', '123456789012345.6', '0.000000000000001', '1234567890.12345'];
    for (const text of samples) expect(Object.is(parseDecimal(text), Number(text)), text).toBe(true);
    fc.assert(
      fc.property(fc.stringMatching(/^[+-]?\d{0,10}(\.\d{0,10})?$/), (text) => {
        const expected = /\d/.test(text) ? Number(text) : null;
        expect(Object.is(parseDecimal(text), expected), text).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('CP scan', () => {
  const body = (codes: string[]) => codes.map((c, i) => `${c}-Rtd=${i},${c}-Flag=N`).join(';');

  it('agrees with parseCpBody + interpretCp for many factors, repeats apart, long and non-ASCII codes', () => {
    const many = Array.from({ length: 30 }, (_, i) => `a${String(10000 + i)}`);
    const cases = [
      body([...many, 'a10003', 'a10025']),
      body(['abcdefg', 'abcdefh', 'abcdefgh', 'abcdefgi', 'abcdefg', '中01', 'é1', 'a1-b', 'a1']),
      'x-Rtd1234=1;x-ZsRtdXYZ=2;x-SampleTime=20240101000000;x-SampleTimE=3;x-=4;x-R中=5;x-Rtd=6;x-Rtd=7',
    ];
    for (const text of cases) {
      const scanned = scanCp(text, []);
      const items = parseCpBody(text, []);
      expect(scanned.items).toEqual(items);
      expect(scanned.data).toEqual(interpretCp(items, null, []));
    }
  });
});

describe('parsed packet', () => {
  const frame = buildPacket({ qn: '20240101000000000', st: '31', cn: '2011', pw: '1', mn: 'M1', flag: 5, cp: { DataTime: '20240101080000', 'a21026-Rtd': '1.5', 'a21026-Flag': 'N' } });

  it('has every field as an own enumerable property, in the documented order, cp included', () => {
    const p = parsePacket(frame);
    const keys = ['qn', 'st', 'cn', 'pw', 'mn', 'flag', 'flagBits', 'pnum', 'pno', 'extraFields', 'version', 'items', 'cp', 'data', 'warnings', 'crc', 'length'];
    expect(Object.keys(p)).toEqual(keys);
    const expectedCp = { DataTime: '20240101080000', 'a21026-Rtd': '1.5', 'a21026-Flag': 'N' };
    expect(JSON.parse(JSON.stringify(p)).cp).toEqual(expectedCp);
    expect({ ...p }.cp).toEqual(expectedCp);
    expect(p.cp).toBe(p.cp); // built once
  });
  it('keeps the first value of a repeated key in cp, and an assigned cp', () => {
    const p = parsePacket(buildFrame('ST=31;CN=2011;MN=M;Flag=5;CP=&&a-Rtd=1;a-Rtd=2&&'));
    expect(p.cp).toEqual({ 'a-Rtd': '1' });
    p.cp = { x: 'y' };
    expect(p.cp).toEqual({ x: 'y' });
  });
  it('reads a rope string, a flat string and bytes alike', () => {
    const flat = Buffer.from(frame, 'latin1').toString('latin1');
    const rope = frame.slice(0, 40) + frame.slice(40);
    const a = parsePacket(rope);
    expect(parsePacket(flat)).toEqual(a);
    expect(parsePacket(Buffer.from(frame, 'latin1'))).toEqual(a);
  });
});

describe('epochOfDataTime', () => {
  it('agrees with parseDataTime from @offsite/domain', () => {
    const edges = ['20240229120000', '20230229120000', '21000229000000', '20000229000000', '00990101000000', '01000101000000', '20241301000000', '20240001000000',
      '20240100000000', '20240431000000', '20240101240000', '20240101236000', '20240101235960', '20240101235959999', '2024010100000', '2024010100000a', '20240101000000\n', ''];
    for (const text of edges) for (const offset of [480, 0, -300]) expect(epochOfDataTime(text, offset), text).toBe(parseDataTime(text, offset));
    const digit = fc.constantFrom(...'0123456789'.split(''));
    const stamp = fc.tuple(
      fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }), fc.option(fc.string({ unit: digit, minLength: 3, maxLength: 3 })),
    ).map(([y, mo, d, h, mi, s, ms]) => [String(y).padStart(4, '0'), ...[mo, d, h, mi, s].map((v) => String(v).padStart(2, '0')), ms ?? ''].join(''));
    fc.assert(fc.property(fc.oneof(stamp, fc.string({ unit: digit, maxLength: 18 })), (text) => {
      expect(epochOfDataTime(text, 480)).toBe(parseDataTime(text, 480));
    }), { numRuns: 3000 });
  });
});

describe('keys named like Object.prototype members', () => {
  it('are plain params and unknown flags, not prototype lookups', () => {
    const p = parsePacket(buildFrame('QN=20240101000000000;ST=31;CN=2011;PW=1;MN=M;Flag=5;CP=&&DataTime=20240101080000;constructor=1;toString=2;a21026-Rtd=1,a21026-Flag=constructor&&'));
    expect(p.data.params).toEqual({ DataTime: '20240101080000', constructor: '1', toString: '2' });
    expect(Object.keys(p.data)).toEqual(['dataTime', 'pollutants', 'params']);
    expect(() => toReadingBatch(p, { receivedAt: 1, source: 'tcp' })).toThrow(expect.objectContaining({ code: 'BAD_VALUE', part: 'a21026-Flag' }));
  });
});
