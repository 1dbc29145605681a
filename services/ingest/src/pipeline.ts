import { hash } from 'node:crypto';
import { Topics, type DeadLetter, type DeviceStatus, type ReadingBatch, type SiteIndex } from '@offsite/domain';
import type { Bus, BusMessage } from '@offsite/bus';
import type { Logger } from '@offsite/runtime';
import { BusBatcher } from './batcher.js';
import { createSubPacketAssembler, dataAck, errorOf, parseFrame, timeCalibration, type GarbageRun, type Packet } from './codec.js';
import { contentKey, dataOf, decodeUpload, isDataCn, qnKeyOf, skewOf, type DataPart, type DecodeConfig, type FastDecoded, type ReplyHeader } from './decode.js';
import { RecentKeys } from './dedup.js';
import { JsonUploadError, parseJsonUpload } from './json-payload.js';
import type { IngestMetrics } from './metrics.js';
import { resolveOptions, type IngestOptions } from './options.js';
import { PresenceTracker } from './presence.js';

export type Transport = 'mqtt' | 'tcp' | 'json';

export interface HandleMeta {
  transport: Transport;
  /** Who sent it: `ip:port` for TCP, `mqtt:<topic>` for MQTT. */
  peer: string;
  /** The MN named by the MQTT topic; must equal the packet's MN. */
  topicMn?: string;
}

export type Outcome = 'accepted' | 'duplicate' | 'rejected' | 'partial';

export interface HandleResult {
  outcome: Outcome;
  /** Frame to send back (9014) when the packet asked for one and is durably recorded. */
  ack?: string;
  /** Further frames for the device (1012 time set). */
  replies?: string[];
  /** The packet's MN, when it could be read. */
  mn?: string;
  /** Dead-letter error code when rejected. */
  code?: string;
  /** Readings emitted (accepted only). */
  readings?: number;
}

export interface IngestPipeline {
  /** Resolves once the packet's effects are durably on the bus; rejects only if the bus stays down. */
  handle(raw: Buffer | string, meta: HandleMeta): Promise<HandleResult>;
  /** Bytes the TCP framing skipped (garbage, oversize, a frame cut off by a closed connection) → dead letter. */
  reportGarbage(run: GarbageRun, meta: HandleMeta): Promise<void>;
  /** Any sign of life from a device (a heartbeat, bytes on its bound connection). */
  touch(mn: string, transport: Transport): void;
  /** Offline transitions and expired sub-packet sets, as of `now` (runs on a timer too). */
  sweep(now?: number): Promise<void>;
  readonly pending: number;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface PipelineDeps {
  bus: Bus;
  sites: SiteIndex;
  logger: Logger;
  metrics: IngestMetrics;
  clock?: () => number;
  options?: Partial<IngestOptions>;
  /** Output topic names; the contract's by default (benchmarks write elsewhere). */
  topics?: Partial<IngestTopics>;
}

export interface IngestTopics {
  readings: string;
  deadletter: string;
  deviceStatus: string;
}

class Rejection extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The transport-independent core: one packet in, readings / dead letter / status out, ack back.
 * Effects go through the batcher, and `handle` resolves only after they are durable, so an
 * adapter acks a device exactly when nothing can be lost any more.
 */
export function createIngestPipeline(deps: PipelineDeps): IngestPipeline {
  const { bus, sites, logger, metrics } = deps;
  const clock = deps.clock ?? Date.now;
  const topics: IngestTopics = { readings: Topics.readings, deadletter: Topics.deadletter, deviceStatus: Topics.deviceStatus, ...deps.topics };
  const opts = resolveOptions(deps.options);
  const batcher = new BusBatcher(bus, { maxMessages: opts.batchMaxMessages, lingerMs: opts.batchLingerMs, retryMs: opts.busRetryMs, maxConcurrentSends: opts.maxConcurrentSends }, logger, metrics);
  const recent = new RecentKeys(opts.dedupWindow);
  const presence = new PresenceTracker(opts);
  const assembler = createSubPacketAssembler({ timeoutMs: opts.subPacketTimeoutMs });
  const lastTimeSet = new Map<string, number>();
  const decodeConfig: DecodeConfig = { maxFrameBytes: opts.maxFrameBytes, offsetOf: (mn) => sites.get(mn)?.utcOffsetMinutes ?? undefined };

  const emit = (topic: string, key: string | null, value: unknown): Promise<void> => {
    const message: BusMessage = { key, value: JSON.stringify(value) };
    return batcher.send(topic, message);
  };

  const deadLetter = (raw: Buffer | string, meta: HandleMeta, code: string, message: string, mn: string | null): Promise<void> => {
    const bytes = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const letter: DeadLetter = {
      source: meta.transport,
      receivedAt: clock(),
      raw: bytes.toString('utf8'),
      rawBase64: bytes.toString('base64'),
      peer: meta.peer,
      error: { code, message },
    };
    metrics.packetsRejected.inc({ transport: meta.transport, code });
    logger.info({ code, peer: meta.peer, mn, reason: message }, 'packet to dead letters');
    return emit(topics.deadletter, mn, letter);
  };

  const statusOut = (status: DeviceStatus | null): Promise<void> | null => {
    if (!status) return null;
    metrics.devicesOnline.set(presence.onlineCount);
    return emit(topics.deviceStatus, status.mn, status);
  };

  /** Readings path shared by HJ 212 and JSON uploads: `json` is the ReadingBatch message. */
  const accept = async (mn: string, json: string, readings: number, receivedAt: number, meta: HandleMeta, keys: string[], skewMs: number | null): Promise<void> => {
    for (const k of keys) recent.add(k); // claimed now so a concurrent resend is a duplicate
    try {
      const status = presence.seen(mn, receivedAt, { transport: meta.transport, isData: true, clockSkewMs: skewMs });
      const sent = batcher.send(topics.readings, { key: mn, value: json });
      await (status ? Promise.all([sent, statusOut(status)]) : sent);
    } catch (err) {
      for (const k of keys) recent.delete(k); // not on the bus: a resend must get through
      throw err;
    }
    metrics.packetsAccepted.inc({ transport: meta.transport });
    metrics.readings.inc(readings);
  };

  /** Why the device may not upload this, or null. */
  const checkDevice = (mn: string, meta: HandleMeta): Rejection | null => {
    if (meta.topicMn !== undefined && meta.topicMn !== mn) {
      return new Rejection('MN_TOPIC_MISMATCH', `packet MN ${mn} differs from the topic's MN ${meta.topicMn}`);
    }
    if (!mn) return new Rejection('EMPTY_MN', 'packet has an empty MN');
    if (opts.registration === 'reject-unregistered' && !sites.get(mn)) {
      return new Rejection('UNREGISTERED_MN', `MN ${mn} is not in the site registry (registration policy reject-unregistered)`);
    }
    return null;
  };

  /** Why this DataTime is absurd, or null. */
  const checkDataTime = (dataTime: number, receivedAt: number): Rejection | null => {
    if (dataTime - receivedAt > opts.futureRejectMs) {
      return new Rejection('DATATIME_FUTURE', `DataTime ${new Date(dataTime).toISOString()} is ${Math.round((dataTime - receivedAt) / 60_000)} min ahead of platform time (limit ${opts.futureRejectMs / 60_000} min)`);
    }
    return null;
  };

  const repliesFor = (device: ReplyHeader, skewMs: number | null, now: number): string[] => {
    if (skewMs === null || Math.abs(skewMs) <= opts.clockSkewToleranceMs) return [];
    const last = lastTimeSet.get(device.mn);
    if (last !== undefined && now - last < opts.calibrationIntervalMs) return [];
    lastTimeSet.set(device.mn, now);
    metrics.timeSets.inc();
    logger.info({ mn: device.mn, skewMs }, 'logger clock skewed: sending 1012 time set');
    return [timeCalibration(device, now)];
  };

  const handleJson = async (raw: Buffer | string, meta: HandleMeta, receivedAt: number): Promise<HandleResult> => {
    const text = typeof raw === 'string' ? raw : raw.toString('utf8');
    let batch: ReadingBatch;
    try {
      batch = parseJsonUpload(text, receivedAt);
      const rejected = checkDevice(batch.mn, meta) ?? checkDataTime(batch.dataTime, receivedAt);
      if (rejected) throw rejected;
    } catch (err) {
      const code = err instanceof JsonUploadError || err instanceof Rejection ? err.code : 'BAD_JSON';
      await deadLetter(raw, meta, code, (err as Error).message, meta.topicMn ?? null);
      return { outcome: 'rejected', code, mn: meta.topicMn };
    }
    const keys = [contentKey(batch.mn, batch.cn, batch.dataTime, hash('sha1', JSON.stringify(batch.readings), 'base64'))];
    if (batch.qn) keys.push(`q|${batch.mn}|${batch.cn}|${batch.qn}`);
    if (keys.some((k) => recent.has(k))) {
      metrics.duplicates.inc({ transport: meta.transport });
      presence.seen(batch.mn, receivedAt, { transport: 'json', isData: false });
      return { outcome: 'duplicate', mn: batch.mn };
    }
    await accept(batch.mn, JSON.stringify(batch), batch.readings.length, receivedAt, meta, keys, null);
    return { outcome: 'accepted', mn: batch.mn, readings: batch.readings.length };
  };

  const handleNonData = async (packet: Packet, meta: HandleMeta, receivedAt: number, skewMs: number | null, ack: string | undefined): Promise<HandleResult> => {
    metrics.nonData.inc({ cn: packet.cn });
    const base = presence.seen(packet.mn, receivedAt, { transport: meta.transport, isData: false, clockSkewMs: skewMs });
    // Every status/restart/response upload is recorded on devices.status.v1 as an event on top
    // of the DeviceStatus fields (consumers that only know DeviceStatus ignore `event`).
    const status: DeviceStatus & { event: Record<string, unknown> } = {
      ...(base ?? { mn: packet.mn, state: 'online', at: receivedAt, lastSeen: presence.lastSeen(packet.mn), clockSkewMs: skewMs, transport: meta.transport }),
      event: { cn: packet.cn, qn: packet.qn, st: packet.st, dataTime: packet.data.dataTime, params: packet.cp, peer: meta.peer },
    };
    logger.info({ mn: packet.mn, cn: packet.cn, qn: packet.qn, params: packet.cp }, 'device upload recorded on the status topic');
    if (base) metrics.devicesOnline.set(presence.onlineCount);
    await emit(topics.deviceStatus, packet.mn, status);
    return { outcome: 'accepted', mn: packet.mn, ack, replies: repliesFor(packet, skewMs, receivedAt) };
  };

  /** The full path: anything decodeUpload did not take (errors, non-data, split packets). */
  const handleHj212 = async (raw: Buffer | string, meta: HandleMeta, receivedAt: number): Promise<HandleResult> => {
    let packet: Packet;
    try {
      packet = parseFrame(raw, opts.maxFrameBytes);
    } catch (err) {
      const e = errorOf(err);
      await deadLetter(raw, meta, e.code, e.message, meta.topicMn ?? null);
      return { outcome: 'rejected', code: e.code, mn: meta.topicMn };
    }
    const mn = packet.mn;
    const ack = packet.flagBits?.ackRequested ? dataAck(packet) : undefined;
    const rejected = checkDevice(mn, meta);
    if (rejected) return reject(raw, meta, mn, ack, rejected.code, rejected.message);
    const offset = sites.get(mn)?.utcOffsetMinutes ?? undefined;
    const skewMs = skewOf(packet, receivedAt, offset ?? 480);
    const qnKey = qnKeyOf(packet);
    if (qnKey && recent.has(qnKey)) return duplicate(mn, meta, receivedAt, ack);
    if (!isDataCn(packet.cn)) {
      if (qnKey) recent.add(qnKey);
      try {
        return await handleNonData(packet, meta, receivedAt, skewMs, ack);
      } catch (err) {
        if (qnKey) recent.delete(qnKey);
        throw err;
      }
    }

    let whole = packet;
    if (packet.flagBits?.subPacket && packet.pnum !== null && packet.pnum > 1) {
      const done = assembler.add(packet, { at: receivedAt, raw, transport: meta.transport, peer: meta.peer });
      if (!done) {
        metrics.partials.inc({ transport: meta.transport });
        presence.seen(mn, receivedAt, { transport: meta.transport, isData: false, clockSkewMs: skewMs });
        return { outcome: 'partial', mn };
      }
      whole = done;
    }
    let data: DataPart;
    try {
      data = dataOf(whole, receivedAt, meta.transport === 'tcp' ? 'tcp' : 'mqtt', offset);
    } catch (err) {
      const e = errorOf(err);
      return reject(raw, meta, mn, ack, e.code, e.message);
    }
    return acceptData(data, raw, meta, receivedAt, { mn, header: packet, skewMs, ack, qnKey });
  };

  /** The common case: a whole data packet that decodeUpload took. */
  const handleDecoded = (d: FastDecoded, raw: Buffer | string, meta: HandleMeta, receivedAt: number): Promise<HandleResult> | HandleResult => {
    const rejected = checkDevice(d.mn, meta);
    if (rejected) return reject(raw, meta, d.mn, d.ack, rejected.code, rejected.message);
    if (d.qnKey && recent.has(d.qnKey)) return duplicate(d.mn, meta, receivedAt, d.ack);
    return acceptData(d, raw, meta, receivedAt, d);
  };

  /** Both paths end here: DataTime sanity, content/QN duplicates, then the bus. */
  const acceptData = async (
    data: DataPart,
    raw: Buffer | string,
    meta: HandleMeta,
    receivedAt: number,
    /** `qnKey`: the QN identity the caller already looked up (not looked up twice). */
    from: { mn: string; header: ReplyHeader; skewMs: number | null; ack?: string; qnKey: string | null },
  ): Promise<HandleResult> => {
    const late = checkDataTime(data.dataTime, receivedAt);
    if (late) return reject(raw, meta, from.mn, from.ack, late.code, late.message);
    if (data.keys.some((k) => k !== from.qnKey && recent.has(k))) return duplicate(from.mn, meta, receivedAt, from.ack);
    await accept(from.mn, data.json, data.readings, receivedAt, meta, data.keys, from.skewMs);
    return { outcome: 'accepted', mn: from.mn, readings: data.readings, ack: from.ack, replies: repliesFor(from.header, from.skewMs, receivedAt) };
  };

  /** Durably recorded, so the logger may stop resending: ack it as received. */
  const reject = async (raw: Buffer | string, meta: HandleMeta, mn: string, ack: string | undefined, code: string, message: string): Promise<HandleResult> => {
    await deadLetter(raw, meta, code, message, mn || meta.topicMn || null);
    return { outcome: 'rejected', code, mn, ack };
  };

  const duplicate = (mn: string, meta: HandleMeta, receivedAt: number, ack: string | undefined): HandleResult => {
    metrics.duplicates.inc({ transport: meta.transport });
    presence.seen(mn, receivedAt, { transport: meta.transport, isData: false });
    // Still acked: the logger resends until it hears a 9014.
    return { outcome: 'duplicate', mn, ack };
  };

  const sweep = async (now = clock()): Promise<void> => {
    const work: Array<Promise<void>> = [];
    for (const status of presence.sweep(now)) {
      logger.info({ mn: status.mn, lastSeen: status.lastSeen }, 'device offline');
      work.push(emit(topics.deviceStatus, status.mn, status));
    }
    metrics.devicesOnline.set(presence.onlineCount);
    for (const set of assembler.expire(now)) {
      const raw = Buffer.concat(set.raws);
      const message = `incomplete split packet (${set.reason}): got PNO ${set.received.join(',')}, missing ${set.missing.join(',')} of PNUM ${set.pnum} (QN ${set.qn ?? '-'}, timeout ${opts.subPacketTimeoutMs} ms)`;
      work.push(deadLetter(raw, { transport: set.transport, peer: set.peer }, 'INCOMPLETE_SUBPACKETS', message, set.mn));
    }
    await Promise.all(work);
  };

  const timer = setInterval(() => {
    sweep().catch((err: unknown) => logger.error({ err }, 'sweep failed'));
  }, opts.sweepIntervalMs);
  timer.unref();

  return {
    async handle(raw, meta) {
      const receivedAt = clock();
      metrics.packetsIn.inc({ transport: meta.transport });
      if (meta.transport === 'json') return handleJson(raw, meta, receivedAt);
      const d = decodeUpload(raw, receivedAt, meta.transport, decodeConfig);
      return d.fast ? handleDecoded(d, raw, meta, receivedAt) : handleHj212(raw, meta, receivedAt);
    },
    async reportGarbage(run, meta) {
      // The decoder does not keep skipped bytes: the letter says how many and why.
      await deadLetter(Buffer.alloc(0), meta, run.code, `${run.skipped} byte(s) skipped: ${run.reason}`, meta.topicMn ?? null);
    },
    touch(mn, transport) {
      const status = presence.seen(mn, clock(), { transport, isData: false });
      if (status) void statusOut(status)?.catch((err: unknown) => logger.warn({ err }, 'status not sent'));
    },
    sweep,
    get pending() {
      return batcher.pending;
    },
    flush: () => batcher.flush(),
    async close() {
      clearInterval(timer);
      await batcher.close();
    },
  };
}
