/**
 * HJ 212 CRC16: init 0xFFFF, crc = (crc >> 8) ^ byte, then 8 shifts with polynomial 0xA001.
 * Note the unusual first step (high byte shifted down, not XORed into the low byte): this is NOT
 * CRC-16/MODBUS. A 256-entry table does the 8 shifts at once.
 *
 * Because each step keeps only the high byte, the state between bytes is 8 bits:
 * s' = H[s ^ byte] with H[x] = TABLE[x] >> 8, and the final CRC is TABLE[s ^ lastByte]. H is linear
 * over GF(2), so 4 bytes fold into one step with the tables H4..H1 (H applied 4..1 times):
 * s'''' = H4[s ^ b0] ^ H3[b1] ^ H2[b2] ^ H1[b3] ("slicing by 4"): 4 independent lookups instead
 * of a chain of 4 dependent ones.
 */
const TABLE = buildTable();
const H1 = composeHigh(1);
const H2 = composeHigh(2);
const H3 = composeHigh(3);
const H4 = composeHigh(4);

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    table[i] = crc;
  }
  return table;
}

/** x -> H applied `times` times, H[x] = TABLE[x] >> 8. */
function composeHigh(times: number): Uint8Array {
  const out = new Uint8Array(256);
  for (let x = 0; x < 256; x++) {
    let s = x;
    for (let k = 0; k < times; k++) s = (TABLE[s] as number) >>> 8;
    out[x] = s;
  }
  return out;
}

/** CRC over bytes (or an ASCII/UTF-8 string, encoded as UTF-8). */
export function crc16(data: Uint8Array | string): number {
  if (typeof data === 'string') {
    const ascii = crc16Ascii(data, 0, data.length);
    return ascii >= 0 ? ascii : crc16Bytes(Buffer.from(data, 'utf8'), 0, Buffer.byteLength(data, 'utf8'));
  }
  return crc16Bytes(data, 0, data.length);
}

export function crc16Bytes(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start) return 0xffff;
  const last = end - 1;
  let s = 0xff;
  let i = start;
  for (; i + 4 <= last; i += 4) {
    s =
      (H4[s ^ (bytes[i] as number)] as number) ^
      (H3[bytes[i + 1] as number] as number) ^
      (H2[bytes[i + 2] as number] as number) ^
      (H1[bytes[i + 3] as number] as number);
  }
  for (; i < last; i++) s = H1[s ^ (bytes[i] as number)] as number;
  return TABLE[s ^ (bytes[last] as number)] as number;
}

/** CRC over bytes[start..end) when they are all ASCII, else -1 (one pass for both checks). */
export function crc16AsciiBytes(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start) return 0xffff;
  const last = end - 1;
  let s = 0xff;
  let seen = 0;
  let i = start;
  for (; i + 4 <= last; i += 4) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1] as number;
    const b2 = bytes[i + 2] as number;
    const b3 = bytes[i + 3] as number;
    seen |= b0 | b1 | b2 | b3;
    s = (H4[s ^ b0] as number) ^ (H3[b1] as number) ^ (H2[b2] as number) ^ (H1[b3] as number);
  }
  for (; i < last; i++) {
    const b = bytes[i] as number;
    seen |= b;
    s = H1[s ^ b] as number;
  }
  const b = bytes[last] as number;
  return (seen | b) > 0x7f ? -1 : (TABLE[s ^ b] as number);
}

/** CRC over the char codes of s[start..end); returns -1 when a non-ASCII char is met (caller falls back to bytes). */
export function crc16Ascii(text: string, start: number, end: number): number {
  if (end <= start) return 0xffff;
  const last = end - 1;
  let s = 0xff;
  let i = start;
  for (; i + 4 <= last; i += 4) {
    const c0 = text.charCodeAt(i);
    const c1 = text.charCodeAt(i + 1);
    const c2 = text.charCodeAt(i + 2);
    const c3 = text.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) > 0x7f) return -1;
    s = (H4[s ^ c0] as number) ^ (H3[c1] as number) ^ (H2[c2] as number) ^ (H1[c3] as number);
  }
  for (; i < last; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return -1;
    s = H1[s ^ c] as number;
  }
  const c = text.charCodeAt(last);
  return c > 0x7f ? -1 : (TABLE[s ^ c] as number);
}

/** 4 upper-case hex digits, as the standard writes them. */
export function crcHex(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
