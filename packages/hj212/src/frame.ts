import { crc16Ascii, crc16AsciiBytes, crc16Bytes, crcHex } from './crc.js';
import { Hj212Error, type Hj212Warning } from './errors.js';

/** The standard's limit on the data segment; longer ones are accepted up to `maxDataLength`. */
export const STANDARD_MAX_DATA_LENGTH = 1024;
/** The 4-digit length field cannot say more than this. */
export const DEFAULT_MAX_DATA_LENGTH = 9999;

export interface FrameOptions {
  /** Reject data segments longer than this many bytes (TOO_LONG). Default 9999. */
  maxDataLength?: number;
}

/** A checked frame: the data segment text between the length field and the CRC. */
export interface CheckedFrame {
  data: string;
  /** Data segment length in bytes (equal to the length field). */
  length: number;
  /** The CRC as written (upper or lower case). */
  crc: string;
  /** Character set the data segment was decoded with ('ascii' for plain packets). */
  encoding: 'ascii' | 'utf-8' | 'gbk';
}

const HASH = 0x23;
/** Frames up to this size are checked through one reused buffer (no allocation per frame). */
const SCRATCH_BYTES = 16 * 1024;
const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

function isTrailingSpace(c: number): boolean {
  return c === 0x0d || c === 0x0a || c === 0x20 || c === 0x09;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

// The input is a string or bytes; one monomorphic helper instead of a per-call closure (hot path).
function codeAt(input: string | Uint8Array, i: number): number {
  return typeof input === 'string' ? input.charCodeAt(i) : (input[i] as number);
}

/** Input[from..to) as text for messages (bytes read as latin1). */
function snippet(input: string | Uint8Array, from: number, to: number): string {
  return typeof input === 'string' ? input.slice(from, to) : Buffer.from(input.subarray(from, to)).toString('latin1');
}

/** Bit set in readHex4's result when a lower-case a-f was used. */
const LOWER_HEX = 0x10000;

/** Reads 4 hex digits: the value, plus LOWER_HEX when a-f was used; -1 if any is not hex. */
function readHex4(input: string | Uint8Array, start: number): number {
  let value = 0;
  let lower = 0;
  for (let i = start; i < start + 4; i++) {
    const c = codeAt(input, i);
    const v = hexValue(c);
    if (v < 0) return -1;
    if (c >= 0x61) lower = LOWER_HEX;
    value = (value << 4) | v;
  }
  return value | lower;
}

function readLength(input: string | Uint8Array): number {
  let n = 0;
  for (let i = 2; i < 6; i++) {
    const c = codeAt(input, i);
    if (c < 0x30 || c > 0x39) throw new Hj212Error('BAD_LENGTH', `length field "${snippet(input, 2, 6)}" is not 4 decimal digits`, 'length');
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/**
 * Checks `##LLLL<data>CCCC[\r\n]`: header, length (bytes of the data segment), CRC. Works on a
 * string (treated as UTF-8 when not ASCII) or on raw bytes (UTF-8, else GBK).
 */
export function checkFrame(input: string | Uint8Array, options: FrameOptions = {}, warnings: Hj212Warning[] = []): CheckedFrame {
  const maxDataLength = options.maxDataLength ?? DEFAULT_MAX_DATA_LENGTH;
  let end = input.length;
  while (end > 0 && isTrailingSpace(codeAt(input, end - 1))) end--;
  const trailing = input.length - end;
  if (
    trailing > 0 &&
    !(trailing === 2 && codeAt(input, end) === 0x0d && codeAt(input, end + 1) === 0x0a) &&
    !(trailing === 1 && codeAt(input, end) === 0x0a)
  ) {
    warnings.push({ code: 'TRAILING_WHITESPACE', message: `${trailing} trailing whitespace character(s) after the CRC ignored` });
  }

  if (end < 2 || codeAt(input, 0) !== HASH || codeAt(input, 1) !== HASH) {
    throw new Hj212Error('BAD_HEADER', `frame must start with "##", got "${snippet(input, 0, Math.min(end, 8))}"`, 'header');
  }
  if (end < 6) throw new Hj212Error('BAD_LENGTH', 'frame ends before the 4-digit length field', 'length');
  const declared = readLength(input);
  if (end < 10) throw new Hj212Error('BAD_CRC', 'frame ends before the 4-digit CRC', 'crc');
  const crcStart = end - 4;
  const written = readHex4(input, crcStart);
  if (written < 0) {
    explainTrailingData(input, declared, end);
    throw new Hj212Error('BAD_CRC', `CRC field "${snippet(input, crcStart, end)}" is not 4 hex digits (or the frame is truncated)`, 'crc');
  }
  if (declared > maxDataLength) {
    throw new Hj212Error('TOO_LONG', `length field ${declared} exceeds the limit of ${maxDataLength} bytes`, 'length');
  }

  let data: string;
  let byteLength: number;
  let crc: number;
  let encoding: CheckedFrame['encoding'] = 'ascii';
  if (typeof input === 'string') {
    if (end <= SCRATCH_BYTES && Buffer.byteLength(input, 'utf8') === input.length) {
      // ASCII (byte length = char count): copy to bytes once, CRC over them, and take the data
      // segment back as a flat string (fast to scan, whatever rope the caller built).
      scratch.write(input, 0, end, 'latin1');
      crc = crc16Bytes(scratch, 6, crcStart);
      data = scratch.toString('latin1', 6, crcStart);
    } else {
      crc = crc16Ascii(input, 6, crcStart);
      data = input.slice(6, crcStart);
    }
    byteLength = data.length;
    if (crc < 0) {
      const bytes = Buffer.from(data, 'utf8');
      byteLength = bytes.length;
      crc = crc16Bytes(bytes, 0, bytes.length);
      encoding = 'utf-8';
    }
  } else {
    byteLength = crcStart - 6;
    crc = crc16AsciiBytes(input, 6, crcStart);
    if (crc >= 0) {
      // A Buffer (what sockets give) decodes in place; a plain Uint8Array gets a Buffer view.
      data = Buffer.isBuffer(input) ? input.toString('latin1', 6, crcStart) : Buffer.from(input.buffer, input.byteOffset + 6, byteLength).toString('latin1');
    }
    else {
      crc = crc16Bytes(input, 6, crcStart);
      const decoded = decodeNonAscii(input.subarray(6, crcStart));
      data = decoded.text;
      encoding = decoded.encoding;
    }
  }
  if (encoding !== 'ascii') warnings.push({ code: 'NON_ASCII', message: `data segment contains non-ASCII text (decoded as ${encoding})` });

  if (byteLength !== declared) {
    explainTrailingData(input, declared, end);
    throw new Hj212Error('BAD_LENGTH', `length field says ${declared} bytes but the data segment has ${byteLength}`, 'length');
  }
  if (byteLength > maxDataLength) throw new Hj212Error('TOO_LONG', `data segment of ${byteLength} bytes exceeds ${maxDataLength}`, 'length');
  if (crc !== (written & 0xffff)) {
    throw new Hj212Error('CRC_MISMATCH', `CRC field says ${snippet(input, crcStart, end)} but the data segment's CRC is ${crcHex(crc)}`, 'crc');
  }
  const crcText = snippet(input, crcStart, end);
  if (written & LOWER_HEX) warnings.push({ code: 'LOWERCASE_CRC', message: `CRC written in lower case (${crcText})` });
  if (declared > STANDARD_MAX_DATA_LENGTH) {
    warnings.push({ code: 'LENGTH_OVER_STANDARD', message: `data segment of ${declared} bytes exceeds the standard's ${STANDARD_MAX_DATA_LENGTH}` });
  }
  return { data, length: declared, crc: crcText, encoding };
}

/**
 * When the length field is shorter than what we got, a well-formed frame may simply be followed by
 * junk: say so (TRAILING_DATA) instead of a bare length mismatch. Only runs on the error path.
 */
function explainTrailingData(input: string | Uint8Array, declared: number, end: number): void {
  const crcAt = 6 + declared;
  if (crcAt + 4 > end) return;
  const hex = readHex4(input, crcAt);
  if (hex < 0) return;
  let crc: number;
  if (typeof input !== 'string') crc = crc16Bytes(input, 6, crcAt);
  else crc = crc16Ascii(input, 6, crcAt); // -1 (no match) when non-ASCII
  if (crc === (hex & 0xffff)) {
    throw new Hj212Error('TRAILING_DATA', `${end - crcAt - 4} unexpected byte(s) after a complete frame (length ${declared}, CRC ok)`, 'trailer');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gbk = new TextDecoder('gbk', { fatal: true });

function decodeNonAscii(bytes: Uint8Array): { text: string; encoding: CheckedFrame['encoding'] } {
  try {
    return { text: utf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    // Node's GBK decoder silently drops some invalid bytes even when fatal, so check the structure first.
    if (!isGbk(bytes)) throw new Hj212Error('BAD_ENCODING', 'data segment is neither ASCII, UTF-8 nor GBK', 'data');
    return { text: gbk.decode(bytes), encoding: 'gbk' };
  }
}

/** GBK byte structure: ASCII, 0x80 (euro), or a lead byte 0x81-0xFE with a trail byte 0x40-0xFE except 0x7F. */
function isGbk(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b <= 0x80) continue;
    if (b === 0xff) return false;
    const t = bytes[++i];
    if (t === undefined || t < 0x40 || t === 0x7f || t === 0xff) return false;
  }
  return true;
}
