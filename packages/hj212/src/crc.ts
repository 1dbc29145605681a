/**
 * HJ 212 CRC16: init 0xFFFF, crc = (crc >> 8) ^ byte, then 8 shifts with polynomial 0xA001.
 * Note the unusual first step (high byte shifted down, not XORed into the low byte): this is NOT
 * CRC-16/MODBUS. A 256-entry table does the 8 shifts at once.
 */
const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    table[i] = crc;
  }
  return table;
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
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    // (crc >> 8) ^ byte leaves a value < 256, so one table lookup does the 8 shift rounds.
    crc = TABLE[(crc >>> 8) ^ (bytes[i] as number)] as number;
  }
  return crc;
}

/** CRC over the char codes of s[start..end); returns -1 when a non-ASCII char is met (caller falls back to bytes). */
export function crc16Ascii(s: string, start: number, end: number): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    crc = TABLE[(crc >>> 8) ^ c] as number;
  }
  return crc;
}

/** 4 upper-case hex digits, as the standard writes them. */
export function crcHex(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
