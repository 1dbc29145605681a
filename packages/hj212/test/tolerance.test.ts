import { describe, expect, it } from 'vitest';
import { buildFrame, crc16, crcHex, Hj212Error, parsePacket, type Hj212WarningCode } from '../src/index.js';

const BASE = 'QN=20240101080000123;ST=31;CN=2011;PW=123456;MN=MN0001;Flag=5;CP=&&DataTime=20240101080000;a21026-Rtd=1.50,a21026-Flag=N&&';

function warningsOf(frame: string | Buffer): Hj212WarningCode[] {
  return parsePacket(frame).warnings.map((w) => w.code);
}
function codeOf(frame: string | Buffer): string {
  try {
    parsePacket(frame);
  } catch (err) {
    if (err instanceof Hj212Error) return err.code;
    throw err;
  }
  throw new Error('expected a rejection');
}
const frame = (data: string): string => buildFrame(data, { crlf: false });

describe('tolerated input is accepted and reported as a warning', () => {
  it('a clean packet has no warnings', () => expect(warningsOf(frame(BASE))).toEqual([]));
  it('lower-case CRC hex', () => {
    const f = frame(BASE);
    const lower = f.slice(0, -4) + f.slice(-4).toLowerCase();
    if (lower === f) return; // CRC without letters: nothing to test
    expect(warningsOf(lower)).toEqual(['LOWERCASE_CRC']);
  });
  it('lower-case CRC with letters (fixed packet)', () => {
    const data = 'QN=20230315101530123;ST=91;CN=9014;PW=123456;MN=SYN0000000000TEST000001;Flag=4;CP=&&&&';
    expect(crcHex(crc16(data))).toBe('BC81');
    expect(warningsOf(`##0086${data}bc81`)).toEqual(['LOWERCASE_CRC']);
  });
  it('CRLF is optional; other trailing whitespace is warned about', () => {
    expect(warningsOf(frame(BASE) + '\r\n')).toEqual([]);
    expect(warningsOf(frame(BASE) + '\n')).toEqual([]);
    expect(warningsOf(frame(BASE) + ' \r\n\r\n')).toEqual(['TRAILING_WHITESPACE']);
  });
  it('missing QN and Flag (2005 style)', () => {
    const p = parsePacket(frame('ST=32;CN=2011;PW=123456;MN=8888;CP=&&DataTime=20240101080000;011-Rtd=20.1,011-Flag=N&&'));
    expect(p.warnings.map((w) => w.code)).toEqual(['MISSING_QN', 'MISSING_FLAG']);
    expect(p.version).toBe('2005');
    expect(p.data.pollutants[0]).toMatchObject({ code: 'w01018', originalCode: '011', rtd: { text: '20.1', value: 20.1 } });
  });
  it('empty PW and MN', () => {
    expect(warningsOf(frame(BASE.replace('PW=123456', 'PW=').replace('MN=MN0001', 'MN=')))).toEqual(['EMPTY_MN', 'EMPTY_PW']);
  });
  it('extra header keys between MN and CP are kept', () => {
    const p = parsePacket(frame(BASE.replace(';CP=', ';Ver=3;Seq=9;CP=')));
    expect(p.extraFields).toEqual({ Ver: '3', Seq: '9' });
    expect(p.warnings.map((w) => w.code)).toEqual(['EXTRA_FIELD', 'EXTRA_FIELD']);
  });
  it('17-digit DataTime', () => {
    const p = parsePacket(frame(BASE.replace('DataTime=20240101080000', 'DataTime=20240101080000500')));
    expect(p.data.dataTime).toBe('20240101080000500');
    expect(p.warnings.map((w) => w.code)).toEqual(['DATATIME_MILLIS']);
  });
  it('unknown ST', () => expect(warningsOf(frame(BASE.replace('ST=31', 'ST=77')))).toEqual(['UNKNOWN_ST']));
  it('unknown version bits in Flag', () => {
    const p = parsePacket(frame(BASE.replace('Flag=5', 'Flag=9')));
    expect(p.flagBits).toEqual({ value: 9, version: 2, ackRequested: true, subPacket: false });
    expect(p.version).toBe('2017');
    expect(p.warnings.map((w) => w.code)).toEqual(['UNKNOWN_VERSION']);
  });
  it('Flag without version bits but 2017 codes is read as 2017', () => {
    const p = parsePacket(frame(BASE.replace('Flag=5', 'Flag=1')));
    expect(p.version).toBe('2017');
    expect(p.warnings.map((w) => w.code)).toEqual(['VERSION_INFERRED']);
  });
  it('non-standard factor codes pass through', () => {
    const p = parsePacket(frame(BASE.replace('a21026-Rtd=1.50', 'a21026-Rtd=1.50,xyz-Rtd=3')));
    expect(p.data.pollutants.map((x) => x.code)).toEqual(['a21026', 'xyz']);
    expect(p.warnings.map((w) => w.code)).toEqual(['NONSTANDARD_CODE']);
  });
  it('a split flag without PNUM/PNO (seen in the field) reads as one packet', () => {
    const p = parsePacket(frame(BASE.replace('Flag=5', 'Flag=7')));
    expect(p.pnum).toBeNull();
    expect(p.warnings.map((w) => w.code)).toEqual(['SPLIT_WITHOUT_PNUM']);
  });
  it('a bare Flag= inside CP', () => {
    const p = parsePacket(frame(BASE.replace('a21026-Flag=N', 'a21026-Flag=N;Flag=')));
    expect(p.data.params.Flag).toBe('');
    expect(p.warnings.map((w) => w.code)).toEqual(['BARE_FLAG']);
  });
  it('a GBK-encoded value in raw bytes', () => {
    const data = Buffer.concat([Buffer.from('QN=20240101080000123;ST=31;CN=3020;PW=1;MN=M;Flag=4;CP=&&PolId=a21026;Name='), Buffer.from([0xc4, 0xe3]), Buffer.from('&&')]);
    const f = Buffer.concat([Buffer.from(`##${String(data.length).padStart(4, '0')}`), data, Buffer.from(crcHex(crc16(data)))]);
    const p = parsePacket(f);
    expect(p.data.params.Name).toBe('你');
    expect(p.warnings.map((w) => w.code)).toEqual(['NON_ASCII']);
  });
});

describe('always rejected, with a stable code', () => {
  const good = frame(BASE);
  it('length mismatch', () => expect(codeOf(good.replace(/^##\d{4}/, (m) => `##${String(Number(m.slice(2)) + 1).padStart(4, '0')}`))).toBe('BAD_LENGTH'));
  it('CRC mismatch', () => expect(codeOf(good.slice(0, -4) + (good.endsWith('0000') ? '0001' : '0000'))).toBe('CRC_MISMATCH'));
  it('missing ##', () => expect(codeOf(good.slice(2))).toBe('BAD_HEADER'));
  it('single #', () => expect(codeOf(good.slice(1))).toBe('BAD_HEADER'));
  it('broken length field', () => expect(codeOf('##01a1' + good.slice(6))).toBe('BAD_LENGTH'));
  it('missing CRC', () => expect(codeOf(good.slice(0, -4))).toBe('BAD_CRC'));
  it('CP without closing &&', () => expect(codeOf(frame(BASE.slice(0, -2)))).toBe('BAD_CP'));
  it('CP item without =', () => expect(codeOf(frame(BASE.replace('a21026-Flag=N', 'a21026-Flag')))).toBe('BAD_CP'));
  it('header field without =', () => expect(codeOf(frame(BASE.replace('PW=123456', 'PW123456')))).toBe('BAD_FIELD'));
  it('no CN', () => expect(codeOf(frame(BASE.replace('CN=2011;', '')))).toBe('BAD_FIELD'));
  it('PNUM without PNO', () => expect(codeOf(frame(BASE.replace('Flag=5', 'Flag=7;PNUM=2')))).toBe('BAD_FIELD'));
  it('PNO > PNUM', () => expect(codeOf(frame(BASE.replace('Flag=5', 'Flag=7;PNUM=2;PNO=3')))).toBe('BAD_FIELD'));
  it('junk after a complete frame', () => expect(codeOf(good + 'XYZW1')).toBe('TRAILING_DATA'));
  it('data longer than the configured bound', () => {
    expect(() => parsePacket(good, { maxDataLength: 50 })).toThrowError(expect.objectContaining({ code: 'TOO_LONG' }));
  });
  it('bytes that are neither UTF-8 nor GBK', () => {
    const data = Buffer.concat([Buffer.from('ST=31;CN=2011;MN=M;CP=&&x='), Buffer.from([0xff, 0xff]), Buffer.from('&&')]);
    const f = Buffer.concat([Buffer.from(`##${String(data.length).padStart(4, '0')}`), data, Buffer.from(crcHex(crc16(data)))]);
    expect(codeOf(f)).toBe('BAD_ENCODING');
  });
  it('messages name the offending part', () => {
    // toThrowError fails when nothing is thrown (a bare try/catch would pass vacuously).
    expect(() => parsePacket(frame(BASE.replace('a21026-Flag=N', 'a21026-Flag')))).toThrowError(
      expect.objectContaining({ code: 'BAD_CP', part: 'a21026-Flag', message: expect.stringContaining('a21026-Flag') }),
    );
  });
});
