import { crc16Ascii, crc16Bytes, crcHex } from './crc.js';
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

function isTrailingSpace(c: number): boolean {
  return c === 0x0d || c === 0x0a || c === 0x20 || c === 0x09;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Reads 4 hex digits; -1 if any is not hex. `lower` reports whether a-f was used. */
function readHex4(at: (i: number) => number, start: number): { value: number; lower: boolean } {
  let value = 0;
  let lower = false;
  for (let i = start; i < start + 4; i++) {
    const c = at(i);
    const v = hexValue(c);
    if (v < 0) return { value: -1, lower };
    if (c >= 0x61) lower = true;
    value = (value << 4) | v;
  }
  return { value, lower };
}

function readLength(at: (i: number) => number, text: () => string): number {
  let n = 0;
  for (let i = 2; i < 6; i++) {
    const c = at(i);
    if (c < 0x30 || c > 0x39) throw new Hj212Error('BAD_LENGTH', `length field "${text()}" is not 4 decimal digits`, 'length');
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
  const isText = typeof input === 'string';
  const at = isText ? (i: number) => input.charCodeAt(i) : (i: number) => input[i] as number;
  let end = input.length;
  while (end > 0 && isTrailingSpace(at(end - 1))) end--;
  const trailing = input.length - end;
  if (trailing > 0 && !(trailing === 2 && at(end) === 0x0d && at(end + 1) === 0x0a) && !(trailing === 1 && at(end) === 0x0a)) {
    warnings.push({ code: 'TRAILING_WHITESPACE', message: `${trailing} trailing whitespace character(s) after the CRC ignored` });
  }
  const snippet = (from: number, to: number): string =>
    isText ? input.slice(from, to) : Buffer.from(input.subarray(from, to)).toString('latin1');

  if (end < 2 || at(0) !== HASH || at(1) !== HASH) {
    throw new Hj212Error('BAD_HEADER', `frame must start with "##", got "${snippet(0, Math.min(end, 8))}"`, 'header');
  }
  if (end < 6) throw new Hj212Error('BAD_LENGTH', 'frame ends before the 4-digit length field', 'length');
  const declared = readLength(at, () => snippet(2, 6));
  if (end < 10) throw new Hj212Error('BAD_CRC', 'frame ends before the 4-digit CRC', 'crc');
  const crcStart = end - 4;
  const written = readHex4(at, crcStart);
  if (written.value < 0) {
    explainTrailingData(at, declared, end, isText ? null : input);
    throw new Hj212Error('BAD_CRC', `CRC field "${snippet(crcStart, end)}" is not 4 hex digits (or the frame is truncated)`, 'crc');
  }
  if (declared > maxDataLength) {
    throw new Hj212Error('TOO_LONG', `length field ${declared} exceeds the limit of ${maxDataLength} bytes`, 'length');
  }

  let data: string;
  let byteLength: number;
  let crc: number;
  let encoding: CheckedFrame['encoding'] = 'ascii';
  if (isText) {
    crc = crc16Ascii(input, 6, crcStart);
    data = input.slice(6, crcStart);
    byteLength = data.length;
    if (crc < 0) {
      const bytes = Buffer.from(data, 'utf8');
      byteLength = bytes.length;
      crc = crc16Bytes(bytes, 0, bytes.length);
      encoding = 'utf-8';
    }
  } else {
    byteLength = crcStart - 6;
    crc = crc16Bytes(input, 6, crcStart);
    const decoded = decodeBytes(input.subarray(6, crcStart));
    data = decoded.text;
    encoding = decoded.encoding;
  }
  if (encoding !== 'ascii') warnings.push({ code: 'NON_ASCII', message: `data segment contains non-ASCII text (decoded as ${encoding})` });

  if (byteLength !== declared) {
    explainTrailingData(at, declared, end, isText ? null : input);
    throw new Hj212Error('BAD_LENGTH', `length field says ${declared} bytes but the data segment has ${byteLength}`, 'length');
  }
  if (byteLength > maxDataLength) throw new Hj212Error('TOO_LONG', `data segment of ${byteLength} bytes exceeds ${maxDataLength}`, 'length');
  if (crc !== written.value) {
    throw new Hj212Error('CRC_MISMATCH', `CRC field says ${snippet(crcStart, end)} but the data segment's CRC is ${crcHex(crc)}`, 'crc');
  }
  if (written.lower) warnings.push({ code: 'LOWERCASE_CRC', message: `CRC written in lower case (${snippet(crcStart, end)})` });
  if (declared > STANDARD_MAX_DATA_LENGTH) {
    warnings.push({ code: 'LENGTH_OVER_STANDARD', message: `data segment of ${declared} bytes exceeds the standard's ${STANDARD_MAX_DATA_LENGTH}` });
  }
  return { data, length: declared, crc: snippet(crcStart, end), encoding };
}

/**
 * When the length field is shorter than what we got, a well-formed frame may simply be followed by
 * junk: say so (TRAILING_DATA) instead of a bare length mismatch. Only runs on the error path.
 */
function explainTrailingData(at: (i: number) => number, declared: number, end: number, bytes: Uint8Array | null): void {
  const crcAt = 6 + declared;
  if (crcAt + 4 > end) return;
  const hex = readHex4(at, crcAt);
  if (hex.value < 0) return;
  let crc: number;
  if (bytes) crc = crc16Bytes(bytes, 6, crcAt);
  else {
    let s = '';
    for (let i = 6; i < crcAt; i++) s += String.fromCharCode(at(i));
    crc = crc16Ascii(s, 0, s.length);
  }
  if (crc === hex.value) {
    throw new Hj212Error('TRAILING_DATA', `${end - crcAt - 4} unexpected byte(s) after a complete frame (length ${declared}, CRC ok)`, 'trailer');
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gbk = new TextDecoder('gbk', { fatal: true });

function decodeBytes(bytes: Uint8Array): { text: string; encoding: CheckedFrame['encoding'] } {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'), encoding: 'ascii' };
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
