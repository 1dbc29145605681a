import { crc16Bytes } from './crc.js';
import { Hj212Error } from './errors.js';
import { DEFAULT_MAX_DATA_LENGTH } from './frame.js';

export interface FrameDecoderOptions {
  /** Largest frame kept, in bytes, `##` to CRC (default 2+4+9999+4). Longer ones are skipped with TOO_LONG. */
  maxFrameBytes?: number;
}

/** A frame's bytes (`##` through the CRC, line end excluded): hand them to parsePacket. */
export type DecodeEvent =
  | { type: 'frame'; frame: Buffer }
  | { type: 'error'; error: Hj212Error; skipped: number };

const HASH = 0x23;
const CR = 0x0d;
const LF = 0x0a;

function isSpace(b: number): boolean {
  return b === CR || b === LF || b === 0x20 || b === 0x09;
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/**
 * Cuts a TCP byte stream into frames. Pure (no I/O, no timers). The length field says where a
 * frame ends; when the bytes there are not a line end or a next `##` (wrong length field), the
 * frame runs to the next CRLF instead, so parsePacket reports the real problem. Bytes between
 * frames that are not whitespace are skipped and reported (GARBAGE).
 */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;

  constructor(options: FrameDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? 2 + 4 + DEFAULT_MAX_DATA_LENGTH + 4;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.buffer.length;
  }

  push(chunk: Uint8Array): DecodeEvent[] {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    const events: DecodeEvent[] = [];
    let pos = 0;
    for (;;) {
      const start = this.skipToHeader(pos, events);
      if (start < 0 || start + 1 >= this.buffer.length) {
        pos = start < 0 ? this.buffer.length : start;
        break;
      }
      const next = this.cutFrame(start, events);
      if (next < 0) {
        pos = start;
        break;
      }
      pos = next;
    }
    this.buffer = pos >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(pos);
    return events;
  }

  /** End of stream: whatever is left is a truncated frame (or garbage). */
  end(): DecodeEvent[] {
    const left = this.buffer;
    this.buffer = Buffer.alloc(0);
    if (left.every(isSpace)) return [];
    return [{ type: 'error', error: new Hj212Error('TRUNCATED', `stream ended inside a frame (${left.length} bytes held)`, 'frame'), skipped: left.length }];
  }

  /**
   * Index of the next `##` (or of a lone '#' ending the buffer, which may start one), reporting
   * skipped non-whitespace bytes; -1 when there is none.
   */
  private skipToHeader(from: number, events: DecodeEvent[]): number {
    const buf = this.buffer;
    let i = from;
    let garbage = 0;
    while (i < buf.length) {
      if (buf[i] === HASH && (i + 1 === buf.length || buf[i + 1] === HASH)) break;
      if (!isSpace(buf[i] as number)) garbage++;
      i++;
    }
    if (garbage > 0) {
      events.push({ type: 'error', error: new Hj212Error('GARBAGE', `${garbage} byte(s) outside any frame skipped`, 'stream'), skipped: i - from });
    }
    return i < buf.length ? i : -1;
  }

  /** Emits the frame starting at `start` (or an error); returns the position after it, or -1 to wait for more bytes. */
  private cutFrame(start: number, events: DecodeEvent[]): number {
    const buf = this.buffer;
    const length = readLength(buf, start);
    if (length >= 0) {
      const crcEnd = start + 10 + length;
      if (crcEnd - start > this.maxFrameBytes) {
        events.push({ type: 'error', error: new Hj212Error('TOO_LONG', `frame length field ${length} exceeds the ${this.maxFrameBytes}-byte frame limit`, 'length'), skipped: 2 });
        return start + 2;
      }
      if (crcEnd <= buf.length && endsCleanly(buf, start, crcEnd)) {
        events.push({ type: 'frame', frame: Buffer.from(buf.subarray(start, crcEnd)) });
        return skipLineEnd(buf, crcEnd);
      }
    }
    // Length field unusable, wrong, or frame not complete yet: the frame runs to the next line end or `##`.
    const boundary = findBoundary(buf, start + 2);
    if (boundary < 0) {
      if (buf.length - start > this.maxFrameBytes) {
        events.push({ type: 'error', error: new Hj212Error('TOO_LONG', `no frame end within ${this.maxFrameBytes} bytes`, 'frame'), skipped: buf.length - start });
        return buf.length;
      }
      return -1;
    }
    const isLf = buf[boundary] === LF;
    const end = isLf && boundary > start && buf[boundary - 1] === CR ? boundary - 1 : boundary;
    const resume = isLf ? boundary + 1 : boundary;
    if (end - start > this.maxFrameBytes) {
      events.push({ type: 'error', error: new Hj212Error('TOO_LONG', `frame of ${end - start} bytes exceeds the ${this.maxFrameBytes}-byte limit`, 'frame'), skipped: resume - start });
      return resume;
    }
    events.push({ type: 'frame', frame: Buffer.from(buf.subarray(start, end)) });
    return resume;
  }
}

/** The 4-digit length after `##`, -1 when not digits or not all there yet. */
function readLength(buf: Buffer, start: number): number {
  if (start + 6 > buf.length) return -1;
  let n = 0;
  for (let i = start + 2; i < start + 6; i++) {
    const b = buf[i] as number;
    if (b < 0x30 || b > 0x39) return -1;
    n = n * 10 + (b - 0x30);
  }
  return n;
}

/**
 * The frame the length field describes ends here: 4 hex digits, then a line end or the next `##`.
 * At the very end of the buffer the CRC must also check, so a wrong length cut mid-chunk waits.
 */
function endsCleanly(buf: Buffer, start: number, crcEnd: number): boolean {
  for (let i = crcEnd - 4; i < crcEnd; i++) if (!isHex(buf[i] as number)) return false;
  if (crcEnd === buf.length) {
    const written = Number.parseInt(buf.toString('latin1', crcEnd - 4, crcEnd), 16);
    return crc16Bytes(buf, start + 6, crcEnd - 4) === written;
  }
  const next = buf[crcEnd];
  return next === CR || next === LF || (next === HASH && (crcEnd + 1 === buf.length || buf[crcEnd + 1] === HASH));
}

/** Next LF or `##` from `from`, -1 if neither. */
function findBoundary(buf: Buffer, from: number): number {
  const lf = buf.indexOf(LF, from);
  const hdr = buf.indexOf('##', from);
  if (lf < 0) return hdr;
  if (hdr < 0) return lf;
  return Math.min(lf, hdr);
}

function skipLineEnd(buf: Buffer, at: number): number {
  if (buf[at] === CR && buf[at + 1] === LF) return at + 2;
  if (buf[at] === LF || buf[at] === CR) return at + 1;
  return at;
}
