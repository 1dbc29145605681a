import { formatDataTime } from '@offsite/domain';
import { buildPacket, type BuildOptions } from './build.js';
import type { Hj212Packet } from './packet.js';

/** The packet being answered: the fields a response echoes. */
export type RequestRef = Pick<Hj212Packet, 'qn' | 'st' | 'pw' | 'mn' | 'version'> & { flag?: number | null };

/** QnRtn of 9011 (request response). */
export const QnRtn = { ready: 1, refused: 2, badPw: 3, badMn: 4, badSt: 5, badFlag: 6, badQn: 7, badCn: 8, badCrc: 9, unknown: 100 } as const;
/** ExeRtn of 9012 (execution result). */
export const ExeRtn = { success: 1, failed: 2, badCondition: 3, timeout: 4, busy: 5, fault: 6, noData: 100 } as const;

/** Flag for a platform response: version bits of the peer's protocol, no ack asked. 2005 peers without Flag get none. */
function responseFlag(to: RequestRef, ackRequested = false): number | null {
  if (to.version === '2005') return to.flag === null || to.flag === undefined ? null : ackRequested ? 1 : 0;
  return ackRequested ? 5 : 4;
}

function reply(to: RequestRef, cn: string, cp: Array<[string, string]>, options?: BuildOptions): string {
  return buildPacket({ qn: to.qn, st: '91', cn, pw: to.pw, mn: to.mn, flag: responseFlag(to), cp }, options);
}

/** 9014 data response: acknowledges an upload whose Flag asked for it (same QN and MN, empty CP). */
export function buildDataAck(to: RequestRef, options?: BuildOptions): string {
  return reply(to, '9014', [], options);
}

/** 9011 request response (QnRtn: 1 ready, 2 refused, …). */
export function buildRequestResponse(to: RequestRef, qnRtn: number, options?: BuildOptions): string {
  return reply(to, '9011', [['QnRtn', String(qnRtn)]], options);
}

/** 9012 execution result (ExeRtn: 1 success, …, 100 no data). */
export function buildExecutionResult(to: RequestRef, exeRtn: number, options?: BuildOptions): string {
  return reply(to, '9012', [['ExeRtn', String(exeRtn)]], options);
}

/** 9013 notice response. */
export function buildNoticeResponse(to: RequestRef, options?: BuildOptions): string {
  return reply(to, '9013', [], options);
}

/** A platform-initiated command to one device. `now` makes the QN (pure: the caller passes the clock). */
export interface CommandTarget {
  st: string;
  mn: string;
  pw?: string | null;
  version?: '2017' | '2005';
  /** Ask the device to answer 9011 (default true). */
  ackRequested?: boolean;
}

function command(target: CommandTarget, cn: string, now: number, cp: Array<[string, string]>, options?: BuildOptions): string {
  const v2005 = target.version === '2005';
  const ack = target.ackRequested ?? true;
  return buildPacket(
    {
      qn: formatDataTime(now, true),
      st: target.st,
      cn,
      pw: target.pw ?? '',
      mn: target.mn,
      flag: v2005 ? (ack ? 1 : 0) : ack ? 5 : 4,
      // Consecutive keys with the same group are joined by ",": BeginTime/EndTime as in the standard's example.
      cp: cp.map(([key, value]) => ({ key, value, group: 0 })),
    },
    options,
  );
}

/** 1012 set the logger clock to `systemTime` (epoch ms; written in the logger's UTC+8 local time). */
export function buildTimeCalibration(target: CommandTarget, now: number, systemTime = now, options?: BuildOptions): string {
  return command(target, '1012', now, [['SystemTime', formatDataTime(systemTime)]], options);
}

/** 1011 read the logger clock. */
export function buildTimeQuery(target: CommandTarget, now: number, options?: BuildOptions): string {
  return command(target, '1011', now, [], options);
}

/** Data request (补发 / backfill): CN 2011, 2051, 2061, 2031 or 2041 with BeginTime/EndTime (epoch ms). */
export function buildDataRequest(
  target: CommandTarget,
  cn: '2011' | '2051' | '2061' | '2031' | '2041',
  range: { begin: number; end: number },
  now: number,
  options?: BuildOptions,
): string {
  return command(target, cn, now, [['BeginTime', formatDataTime(range.begin)], ['EndTime', formatDataTime(range.end)]], options);
}

/** 2012 stop real-time data. */
export function buildStopRealtime(target: CommandTarget, now: number, options?: BuildOptions): string {
  return command(target, '2012', now, [], options);
}
