import { describe, expect, it } from 'vitest';
import {
  buildDataAck,
  buildDataRequest,
  buildExecutionResult,
  buildNoticeResponse,
  buildRequestResponse,
  buildStopRealtime,
  buildTimeCalibration,
  buildTimeQuery,
  ExeRtn,
  parsePacket,
  QnRtn,
} from '../src/index.js';
import { readFixture } from './helpers.js';

// The brief's corpus holds an upload (line 1), the platform's 9014 for it (line 4) and a 1012 (line 5).
const samples = readFixture('samples.jsonl').map((s) => s.raw);
const upload = parsePacket(samples[0] as string);
const target = { st: '31', mn: 'SYN0000000000TEST000001', pw: '123456' };
/** 2023-03-17 08:30:00.001 in UTC+8, the QN of the corpus's 1012. */
const NOW = Date.parse('2023-03-17T08:30:00.001+08:00');

describe('frames the platform sends', () => {
  it('9014 data ack is byte-identical to the corpus ack of the same upload', () => {
    expect(buildDataAck(upload, { crlf: false })).toBe(samples[3]);
    expect(buildDataAck(upload)).toBe(`${samples[3]}\r\n`);
  });

  it('1012 time calibration is byte-identical to the corpus packet', () => {
    expect(buildTimeCalibration(target, NOW, NOW - 1, { crlf: false })).toBe(samples[4]);
    expect(parsePacket(buildTimeCalibration(target, NOW, NOW - 1)).data.systemTime).toBe('20230317083000');
  });

  it('9011 / 9012 / 9013 echo QN, PW and MN with ST=91 and carry their return codes', () => {
    const qnRtn = parsePacket(buildRequestResponse(upload, QnRtn.badPw));
    expect(qnRtn).toMatchObject({ qn: upload.qn, st: '91', cn: '9011', pw: upload.pw, mn: upload.mn, flag: 4, version: '2017', warnings: [] });
    expect(qnRtn.data.qnRtn).toBe(3);
    const exe = parsePacket(buildExecutionResult(upload, ExeRtn.noData));
    expect(exe).toMatchObject({ qn: upload.qn, cn: '9012', mn: upload.mn });
    expect(exe.data.exeRtn).toBe(100);
    const notice = parsePacket(buildNoticeResponse(upload));
    expect(notice).toMatchObject({ qn: upload.qn, cn: '9013', mn: upload.mn, items: [] });
  });

  it('answers a 2005 logger (no QN, no Flag) in its own style', () => {
    const old = parsePacket(samples[6] as string);
    expect(old.version).toBe('2005');
    const ack = parsePacket(buildDataAck(old));
    expect(ack).toMatchObject({ qn: null, flag: null, cn: '9014', mn: old.mn, version: '2005' });
  });

  it('1011 clock read, 2012 stop real-time: QN from now, Flag asks for a 9011', () => {
    const read = parsePacket(buildTimeQuery(target, NOW));
    expect(read).toMatchObject({ qn: '20230317083000001', st: '31', cn: '1011', pw: '123456', mn: target.mn, flag: 5, items: [] });
    const stop = parsePacket(buildStopRealtime({ ...target, ackRequested: false }, NOW));
    expect(stop).toMatchObject({ cn: '2012', flag: 4 });
  });

  it('backfill request: the data CN with BeginTime,EndTime in UTC+8 (one group, as in the standard)', () => {
    const begin = Date.parse('2023-03-17T00:00:00+08:00');
    const frame = buildDataRequest(target, '2061', { begin, end: begin + 6 * 3_600_000 }, NOW, { crlf: false });
    expect(frame).toContain(';CN=2061;');
    expect(frame).toContain('CP=&&BeginTime=20230317000000,EndTime=20230317060000&&');
    const p = parsePacket(frame);
    expect(p.data).toMatchObject({ beginTime: '20230317000000', endTime: '20230317060000' });
    expect(p.warnings).toEqual([]);
    // A 2005 peer gets version bits 0 in Flag.
    expect(parsePacket(buildDataRequest({ ...target, version: '2005' }, '2051', { begin, end: begin }, NOW)).flag).toBe(1);
  });
});
