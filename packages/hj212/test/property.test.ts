import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPacket, crc16, crcHex, parsePacket } from '../src/index.js';
import { buildInput } from './arbitraries.js';

describe('parse(build(x)) == x', () => {
  it('keeps every header field and every CP item in order and grouping', () => {
    fc.assert(
      fc.property(buildInput, fc.boolean(), (input, crlf) => {
        const frame = buildPacket(input, { crlf });
        const p = parsePacket(frame);
        expect({ qn: p.qn, st: p.st, cn: p.cn, pw: p.pw, mn: p.mn, flag: p.flag, pnum: p.pnum, pno: p.pno }).toEqual({
          qn: input.qn,
          st: input.st,
          cn: input.cn,
          pw: input.pw,
          mn: input.mn,
          flag: input.flag,
          pnum: input.pnum,
          pno: input.pno,
        });
        // Groups are renumbered densely by the parser; the builder's are already dense.
        expect(p.items).toEqual(input.items);
        // And build(parse(frame)) gives the same bytes back.
        expect(buildPacket(p, { crlf })).toBe(frame);
      }),
      { numRuns: 300 },
    );
  });

  it('computes a length and CRC the parser agrees with', () => {
    fc.assert(
      fc.property(buildInput, (input) => {
        const frame = buildPacket(input, { crlf: false });
        const data = frame.slice(6, -4);
        expect(Number(frame.slice(2, 6))).toBe(Buffer.byteLength(data));
        expect(frame.slice(-4)).toBe(crcHex(crc16(data)));
      }),
      { numRuns: 100 },
    );
  });

  it('numbers keep their written text', () => {
    const p = parsePacket(buildPacket({ st: '31', cn: '2011', mn: 'M', flag: 4, cp: { 'a21026-Rtd': '12.300', 'a21026-Cou': '-0.0' } }));
    expect(p.data.pollutants[0]?.rtd).toEqual({ text: '12.300', value: 12.3 });
    expect(p.data.pollutants[0]?.cou).toEqual({ text: '-0.0', value: -0 });
  });
});
