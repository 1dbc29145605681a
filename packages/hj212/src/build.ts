import { crc16Ascii, crc16Bytes, crcHex } from './crc.js';
import type { CpItem } from './cp.js';
import { Hj212Error } from './errors.js';

/** What it takes to build a packet. Omitted qn/pw/flag are left out of the header (2005 style). */
export interface BuildInput {
  qn?: string | null;
  st: string;
  cn: string;
  pw?: string | null;
  mn: string;
  flag?: number | null;
  pnum?: number | null;
  pno?: number | null;
  /** Header fields written between MN/PNO and CP (non-standard, for tolerance tests). */
  extraFields?: Record<string, string>;
  /**
   * CP content: a list keeps order and grouping (items with the same `group` are joined by ",");
   * a record or a list without groups is grouped the standard way (one group per factor code,
   * each other key on its own).
   */
  cp?: Record<string, string> | ReadonlyArray<CpItemInput>;
  /** Lossless CP list (as `Hj212Packet.items`); wins over `cp` when given, so parse → build reproduces grouping. */
  items?: ReadonlyArray<CpItemInput>;
}

export type CpItemInput = { key: string; value: string; group?: number } | readonly [string, string];

export interface BuildOptions {
  /** Append CRLF (default true). */
  crlf?: boolean;
}

/** Wraps a data segment in `##LLLL…CCCC\r\n` (length in bytes, CRC16 upper-case hex). */
export function buildFrame(data: string, options: BuildOptions = {}): string {
  let crc = crc16Ascii(data, 0, data.length);
  let length = data.length;
  if (crc < 0) {
    const bytes = Buffer.from(data, 'utf8');
    crc = crc16Bytes(bytes, 0, bytes.length);
    length = bytes.length;
  }
  if (length > 9999) throw new Hj212Error('TOO_LONG', `data segment of ${length} bytes does not fit the 4-digit length field`, 'length');
  return `##${String(length).padStart(4, '0')}${data}${crcHex(crc)}${options.crlf === false ? '' : '\r\n'}`;
}

/** Builds a complete frame from fields. Throws Hj212Error(BAD_INPUT) naming a value that would break the syntax. */
export function buildPacket(input: BuildInput, options: BuildOptions = {}): string {
  return buildFrame(buildDataSegment(input), options);
}

export function buildDataSegment(input: BuildInput): string {
  if (!input.st) throw new Hj212Error('BAD_INPUT', 'st is required', 'ST');
  if (!isDigits(input.cn)) throw new Hj212Error('BAD_INPUT', `cn "${input.cn}" is not a number`, 'CN');
  if (input.flag !== null && input.flag !== undefined && !(Number.isInteger(input.flag) && input.flag >= 0 && input.flag <= 255)) {
    throw new Hj212Error('BAD_INPUT', `flag ${input.flag} is not an integer 0-255`, 'Flag');
  }
  const hasPnum = input.pnum !== null && input.pnum !== undefined;
  const hasPno = input.pno !== null && input.pno !== undefined;
  if (hasPnum !== hasPno) throw new Hj212Error('BAD_INPUT', 'pnum and pno go together', hasPnum ? 'PNO' : 'PNUM');
  if (hasPnum && !(Number.isInteger(input.pnum) && Number.isInteger(input.pno) && (input.pno as number) >= 1 && (input.pno as number) <= (input.pnum as number))) {
    throw new Hj212Error('BAD_INPUT', `pno ${input.pno} / pnum ${input.pnum} must be integers with 1 <= pno <= pnum`, 'PNO');
  }
  // Plain concatenation (no per-call closure or entries array): acks are built once per upload.
  let header = field('QN', input.qn) + field('ST', input.st) + field('CN', input.cn) + field('PW', input.pw) + field('MN', input.mn) + field('Flag', input.flag) + field('PNUM', input.pnum) + field('PNO', input.pno);
  if (input.extraFields !== undefined) {
    for (const [key, value] of Object.entries(input.extraFields)) {
      if (key === 'CP' || key === '') throw new Hj212Error('BAD_INPUT', `extra header field name "${key}" not allowed`, key);
      checkText(key, key, KEY_FORBIDDEN);
      header += field(key, value);
    }
  }
  const cp = input.items ?? input.cp;
  const body = cp === undefined || (Array.isArray(cp) && cp.length === 0) ? '' : buildCpBody(cp);
  return `${header}CP=&&${body}&&`;
}

/** `key=value;`, or nothing for an absent value; the text is checked for what would break the syntax. */
function field(key: string, value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  checkText(key, text, HEADER_FORBIDDEN);
  return `${key}=${text};`;
}

function isDigits(text: string): boolean {
  if (typeof text !== 'string' || text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** CP body text (without the surrounding `&&`). */
export function buildCpBody(cp: Record<string, string> | ReadonlyArray<CpItemInput>): string {
  const items = normaliseItems(cp);
  let body = '';
  let prevGroup: number | null = null;
  for (const item of items) {
    if (item.key === '') throw new Hj212Error('BAD_INPUT', 'CP key is empty', 'CP');
    checkText(item.key, item.key, KEY_FORBIDDEN);
    checkText(item.key, item.value, VALUE_FORBIDDEN);
    if (prevGroup !== null) body += item.group === prevGroup ? ',' : ';';
    body += `${item.key}=${item.value}`;
    prevGroup = item.group;
  }
  return body;
}

function normaliseItems(cp: Record<string, string> | ReadonlyArray<CpItemInput>): CpItem[] {
  const list: Array<{ key: string; value: string; group?: number }> = Array.isArray(cp)
    ? (cp as ReadonlyArray<CpItemInput>).map((it) =>
        isTuple(it) ? { key: it[0], value: String(it[1]) } : { key: it.key, value: String(it.value), group: it.group },
      )
    : Object.entries(cp as Record<string, string>).map(([key, value]) => ({ key, value: String(value) }));
  if (list.length > 0 && list.every((it) => it.group !== undefined)) return list.map((it) => ({ key: it.key, value: it.value, group: it.group ?? 0 }));
  // Standard grouping: consecutive keys of one factor share a group; every other key stands alone.
  const out: CpItem[] = [];
  let group = -1;
  let prevCode: string | null = null;
  for (const { key, value } of list) {
    const dash = key.lastIndexOf('-');
    const code = dash > 0 ? key.slice(0, dash) : null;
    if (code === null || code !== prevCode) group++;
    prevCode = code;
    out.push({ key, value, group });
  }
  return out;
}

function isTuple(it: CpItemInput): it is readonly [string, string] {
  return Array.isArray(it);
}

const HEADER_FORBIDDEN = /[;\r\n]|&&/;
const KEY_FORBIDDEN = /[;,=&\r\n]/;
const VALUE_FORBIDDEN = /[;,\r\n]|&&|&$/;

function checkText(name: string, text: string, forbidden: RegExp): void {
  if (typeof text !== 'string') throw new Hj212Error('BAD_INPUT', `${name} must be text`, name);
  if (forbidden.test(text)) throw new Hj212Error('BAD_INPUT', `${name} value "${text}" contains a character that breaks HJ 212 syntax`, name);
}
