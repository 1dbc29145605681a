import { formatDataTime, parseDataTime } from '@offsite/domain';
import { ExeRtn, QnRtn, buildExecutionResult, buildPacket, buildRequestResponse, parsePacket, type Hj212Packet } from '@offsite/hj212';
import type { SimDevice, SimPacket } from './device.js';
import type { DataRecord } from './logger.js';

export interface SessionOptions {
  /** Frames out (uplink). May return a promise that settles when the transport took it. */
  send(frame: string): void | Promise<void>;
  /** Simulated "now" (true time) of the run, for QNs and for 1012. */
  simNow(): number;
  /** Real-time wait for a 9014 before resending an upload that asked for one (default 5 s). */
  ackTimeoutMs?: number;
  /** Resends before giving up on an ack (default 3). */
  maxResends?: number;
  /** How much sent interval/real-time data the logger keeps for backfill requests (simulated ms, default 24 h). */
  historyMs?: number;
  /** Real clock for ack timeouts (default performance.now). */
  realNow?: () => number;
}

export interface SessionStats {
  sent: number;
  resent: number;
  acked: number;
  /** Uploads still waiting for an ack after every resend. */
  unacked: number;
  commands: number;
  backfilled: number;
  clockSets: number;
}

export const emptyStats = (): SessionStats => ({ sent: 0, resent: 0, acked: 0, unacked: 0, commands: 0, backfilled: 0, clockSets: 0 });

interface Pending {
  frame: string;
  deadline: number;
  resends: number;
}

const BACKFILL_CNS = new Set(['2011', '2051', '2061', '2031']);

/**
 * The logger's side of the conversation with the platform, independent of the transport:
 * uploads (resent when a requested 9014 does not come), and answers to downlink commands —
 * 9014 acks, 1011/1012 clock read/set, data re-requests (CN 2011/2051/2061/2031 with
 * BeginTime/EndTime → 9011, re-upload, 9012) and 2012 stop real-time.
 */
export class DeviceSession {
  readonly stats: SessionStats = emptyStats();
  private readonly pending = new Map<string, Pending>();
  private readonly history: DataRecord[] = [];
  private readonly ackTimeoutMs: number;
  private readonly maxResends: number;
  private readonly historyMs: number;
  private readonly realNow: () => number;
  private realtimeStopped = false;

  constructor(
    readonly device: SimDevice,
    private readonly opts: SessionOptions,
  ) {
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 5000;
    this.maxResends = opts.maxResends ?? 3;
    this.historyMs = opts.historyMs ?? 24 * 3_600_000;
    this.realNow = opts.realNow ?? (() => performance.now());
  }

  get mn(): string {
    return this.device.mn;
  }

  /** Send one generated packet (kept for backfill; tracked for its ack when Flag asks for one). */
  async upload(p: SimPacket): Promise<void> {
    this.remember(p.record);
    if (p.cn === '2011' && this.realtimeStopped) return;
    await this.sendData(p.frame);
  }

  private async sendData(frame: string): Promise<void> {
    if (this.device.protocol === '2017' && this.device.setup.ackRequested) {
      const qn = /QN=(\d+);/.exec(frame)?.[1];
      if (qn) this.pending.set(qn, { frame, deadline: this.realNow() + this.ackTimeoutMs, resends: 0 });
    }
    this.stats.sent++;
    await this.opts.send(frame);
  }

  /** Resend uploads whose ack is overdue. Call periodically. */
  sweep(): void {
    const now = this.realNow();
    for (const [qn, p] of this.pending) {
      if (p.deadline > now) continue;
      if (p.resends >= this.maxResends) {
        this.pending.delete(qn);
        this.stats.unacked++;
        continue;
      }
      p.resends++;
      p.deadline = now + this.ackTimeoutMs;
      this.stats.resent++;
      void this.opts.send(p.frame);
    }
  }

  /** Uploads waiting for an ack right now. */
  get awaitingAck(): number {
    return this.pending.size;
  }

  /** One downlink frame from the platform. Returns the parsed packet, or null when it is not ours. */
  async onDownlink(frame: string | Uint8Array): Promise<Hj212Packet | null> {
    let req: Hj212Packet;
    try {
      req = parsePacket(frame);
    } catch {
      return null; // a logger ignores what it cannot read (the platform's dead letters are its own)
    }
    if (req.mn !== this.mn) return null;
    if (req.cn === '9014') {
      if (req.qn && this.pending.delete(req.qn)) this.stats.acked++;
      return req;
    }
    if (req.cn === '9013') return req;
    this.stats.commands++;
    const respond = (frameOut: string) => this.opts.send(frameOut);
    if (req.pw !== null && req.pw !== '' && req.pw !== this.device.pw) {
      await respond(buildRequestResponse(req, QnRtn.badPw));
      return req;
    }
    switch (req.cn) {
      case '1012': {
        const at = parseDataTime(req.data.systemTime ?? req.cp['SystemTime'] ?? '', this.device.site.utcOffsetMinutes ?? 480);
        await respond(buildRequestResponse(req, at === null ? QnRtn.refused : QnRtn.ready));
        if (at === null) return req;
        this.device.setClock(at, this.opts.simNow());
        this.stats.clockSets++;
        await respond(buildExecutionResult(req, ExeRtn.success));
        return req;
      }
      case '1011': {
        await respond(buildRequestResponse(req, QnRtn.ready));
        const clock = this.device.clock(this.opts.simNow());
        const off = this.device.site.utcOffsetMinutes ?? 480;
        await respond(buildPacket({ qn: req.qn, st: this.device.st, cn: '1011', pw: this.device.pw, mn: this.mn, flag: this.device.protocol === '2005' ? null : 4, cp: [['SystemTime', formatDataTime(clock, false, off)]] }));
        await respond(buildExecutionResult(req, ExeRtn.success));
        return req;
      }
      case '2012':
        this.realtimeStopped = true;
        await respond(buildRequestResponse(req, QnRtn.ready));
        await respond(buildExecutionResult(req, ExeRtn.success));
        return req;
      default:
        if (BACKFILL_CNS.has(req.cn) && (req.data.beginTime ?? req.cp['BeginTime'])) {
          await this.backfill(req);
          return req;
        }
        if (req.cn === '2011') {
          // 2011 without a range: resume real-time data.
          this.realtimeStopped = false;
          await respond(buildRequestResponse(req, QnRtn.ready));
          return req;
        }
        await respond(buildRequestResponse(req, QnRtn.badCn));
        return req;
    }
  }

  private async backfill(req: Hj212Packet): Promise<void> {
    const off = this.device.site.utcOffsetMinutes ?? 480;
    const begin = parseDataTime(req.data.beginTime ?? req.cp['BeginTime'] ?? '', off);
    const end = parseDataTime(req.data.endTime ?? req.cp['EndTime'] ?? '', off);
    if (begin === null || end === null || end < begin) {
      await this.opts.send(buildRequestResponse(req, QnRtn.refused));
      return;
    }
    await this.opts.send(buildRequestResponse(req, QnRtn.ready));
    const records = this.history.filter((r) => r.cn === req.cn && r.dataTime >= begin && r.dataTime <= end);
    for (const r of records) {
      await this.sendData(this.device.packet(r, this.opts.simNow()).frame);
      this.stats.backfilled++;
    }
    await this.opts.send(buildExecutionResult(req, records.length > 0 ? ExeRtn.success : ExeRtn.noData));
  }

  private remember(r: DataRecord): void {
    this.history.push(r);
    const horizon = r.dataTime - this.historyMs;
    let drop = 0;
    while (drop < this.history.length && (this.history[drop] as DataRecord).dataTime < horizon) drop++;
    if (drop > 64 || (drop > 0 && drop === this.history.length - 1)) this.history.splice(0, drop);
  }
}
