/**
 * The seam between ingest and packages/hj212: everything ingest needs from the codec, in the
 * shape the pipeline uses. Pure; no I/O.
 */
import {
  buildDataAck,
  buildTimeCalibration,
  Hj212Error,
  parsePacket,
  toReadingBatch,
  type Hj212Packet,
  type ToReadingOptions,
} from '@offsite/hj212';
import type { ReadingBatch } from '@offsite/domain';

export type Packet = Hj212Packet;

export function parseFrame(raw: Buffer | string, maxFrameBytes: number): Packet {
  // A frame is "##" + 4-digit length + data segment + 4-digit CRC.
  return parsePacket(raw, { maxDataLength: Math.max(0, maxFrameBytes - 10) });
}

export function readingsOf(packet: Packet, options: ToReadingOptions): ReadingBatch {
  return toReadingBatch(packet, options);
}

export function dataAck(packet: Packet): string {
  return buildDataAck(packet);
}

export function timeCalibration(logger: Pick<Packet, 'st' | 'mn' | 'pw' | 'version'>, now: number): string {
  return buildTimeCalibration({ st: logger.st, mn: logger.mn, pw: logger.pw, version: logger.version }, now);
}

/** A typed code for any error: the codec's stable codes, or INTERNAL for a bug. */
export function errorOf(err: unknown): { code: string; message: string } {
  if (err instanceof Hj212Error) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export { createFrameStream, type FrameStream, type GarbageRun } from './frame-stream.js';
export { createSubPacketAssembler, type SubPacketAssembler, type IncompleteSet } from './subpackets.js';
