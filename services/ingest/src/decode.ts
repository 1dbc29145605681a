/**
 * The pure, per-packet part of ingest: one upload's bytes in, everything the pipeline's stateful
 * part needs out (identity keys, the readings message as JSON, the ack frame). Kept apart from
 * the pipeline's state so that the common case costs one parse and no exceptions. (Running it on
 * a worker thread was tried: no gain on 2 cores, where the other servers use the second core.)
 */
import { dataKindByCn, parseDataTime, type ReadingBatch } from '@offsite/domain';
import { dataAck, parseFrame, readingsOf, type Packet } from './codec.js';
import { itemsDigest } from './content-digest.js';

const DATA_CNS = new Set(Object.keys(dataKindByCn));

/** What a 1012 time set needs to know about the logger. */
export interface ReplyHeader {
  mn: string;
  st: string;
  pw: string | null;
  version: Packet['version'];
}

/** A data upload turned into its readings message and identities. */
export interface DataPart {
  dataTime: number;
  /** The readings-topic message (a ReadingBatch), serialised. */
  json: string;
  readings: number;
  /** Content identity (MN + CN + DataTime + every item), then the QN identity when there is a QN. */
  keys: string[];
}

/** A whole data packet that parsed and converted: the pipeline's common case. */
export interface FastDecoded extends DataPart {
  fast: true;
  mn: string;
  header: ReplyHeader;
  /** QN identity including PNO, checked before anything else. */
  qnKey: string | null;
  skewMs: number | null;
  /** 9014 frame when the packet asked for one. */
  ack?: string;
}

/** Anything else (broken, not data, part of a split packet): the pipeline takes its full path, parsing again (rare, and it keeps the common case free of exceptions). */
export type Decoded = FastDecoded | { fast: false };

export interface DecodeConfig {
  maxFrameBytes: number;
  /** The site's UTC offset in minutes for an MN with one in the registry. */
  offsetOf(mn: string): number | undefined;
}

export const qnKeyOf = (p: Packet): string | null => (p.qn ? `q|${p.mn}|${p.cn}|${p.qn}${p.pno !== null ? `|${p.pno}` : ''}` : null);

/** Skew of the logger clock: QN is stamped when it sends, the best witness; else a real-time DataTime. */
export function skewOf(packet: Packet, receivedAt: number, offset: number): number | null {
  const qnTime = packet.qn ? parseDataTime(packet.qn, offset) : null;
  if (qnTime !== null) return qnTime - receivedAt;
  if (packet.cn === '2011' && packet.data.dataTime) {
    const dt = parseDataTime(packet.data.dataTime, offset);
    if (dt !== null) return dt - receivedAt;
  }
  return null;
}

/** Content identity of an upload: who, what kind, when, and a digest of everything it says. */
export const contentKey = (mn: string, cn: string, dataTime: string | number, digest: string): string => `c|${mn}|${cn}|${dataTime}|${digest}`;

export const isDataCn = (cn: string): boolean => DATA_CNS.has(cn);

/** Readings, message and identities of a whole data packet; throws what readingsOf throws. */
export function dataOf(whole: Packet, receivedAt: number, source: ReadingBatch['source'], offset: number | undefined): DataPart {
  const batch = readingsOf(whole, { receivedAt, source, utcOffsetMinutes: offset });
  const keys = [contentKey(whole.mn, whole.cn, whole.data.dataTime ?? '', itemsDigest(whole.items))];
  if (whole.qn) keys.push(`q|${whole.mn}|${whole.cn}|${whole.qn}`);
  return { dataTime: batch.dataTime, json: JSON.stringify(batch), readings: batch.readings.length, keys };
}

export function decodeUpload(raw: Buffer | string, receivedAt: number, source: 'mqtt' | 'tcp', cfg: DecodeConfig): Decoded {
  let packet: Packet;
  try {
    packet = parseFrame(raw, cfg.maxFrameBytes);
  } catch {
    return { fast: false };
  }
  if (!isDataCn(packet.cn) || (packet.flagBits?.subPacket && packet.pnum !== null && packet.pnum > 1)) return { fast: false };
  const offset = cfg.offsetOf(packet.mn);
  let data: DataPart;
  try {
    data = dataOf(packet, receivedAt, source, offset);
  } catch {
    return { fast: false };
  }
  return {
    fast: true,
    mn: packet.mn,
    header: { mn: packet.mn, st: packet.st, pw: packet.pw, version: packet.version },
    qnKey: qnKeyOf(packet),
    skewMs: skewOf(packet, receivedAt, offset ?? 480),
    ack: packet.flagBits?.ackRequested ? dataAck(packet) : undefined,
    ...data,
  };
}
