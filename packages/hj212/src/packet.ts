import type { CpItem } from './cp.js';
import { scanCpRange } from './scan.js';
import { codes2005, is2017Code } from './codes2005.js';
import { applyVersion, type CpData } from './data.js';
import { Hj212Error, type Hj212Warning } from './errors.js';
import { decodeFlag, type FlagBits } from './flag.js';
import { checkFrame, type FrameOptions } from './frame.js';
import { isDigits } from './numbers.js';
import { cpRecordOf, ParsedPacket, type PacketHeader } from './parsed-packet.js';

export type ProtocolVersion = '2017' | '2005';

/** A parsed, CRC-checked packet. `items` is the lossless CP; `cp` and `data` are views of it. */
export interface Hj212Packet extends PacketHeader {
  version: ProtocolVersion;
  /** CRC as written in the frame. */
  crc: string;
  /** Data segment length in bytes. */
  length: number;
  items: CpItem[];
  cp: Record<string, string>;
  data: CpData;
  warnings: Hj212Warning[];
}

export type ParseOptions = FrameOptions;

/** System codes (ST) of HJ 212-2017 table 5; others are accepted with a warning. */
const KNOWN_ST = new Set(['21', '22', '23', '24', '25', '26', '27', '31', '32', '33', '34', '35', '36', '37', '38', '39', '41', '91']);

/** Parses one frame (`##LLLL...CCCC`, CRLF optional). Throws Hj212Error on anything it cannot accept. */
export function parsePacket(input: string | Uint8Array, options: ParseOptions = {}): Hj212Packet {
  const warnings: Hj212Warning[] = [];
  const frame = checkFrame(input, options, warnings);
  const { header, version, items, data } = readSegment(frame.data, warnings);
  return new ParsedPacket(header, version, items, data, warnings, frame.crc, frame.length);
}

export type DataSegment = Omit<Hj212Packet, 'crc' | 'length'>;

/** Parses a data segment (what sits between the length field and the CRC). */
export function parseDataSegment(data: string, warnings: Hj212Warning[] = []): DataSegment {
  const segment = readSegment(data, warnings);
  const { header, items } = segment;
  return {
    qn: header.qn,
    st: header.st,
    cn: header.cn,
    pw: header.pw,
    mn: header.mn,
    flag: header.flag,
    flagBits: header.flagBits,
    pnum: header.pnum,
    pno: header.pno,
    extraFields: header.extraFields,
    version: segment.version,
    items,
    cp: cpRecordOf(items),
    data: segment.data,
    warnings,
  };
}

interface Segment {
  header: PacketHeader;
  version: ProtocolVersion;
  items: CpItem[];
  data: CpData;
}

function readSegment(data: string, warnings: Hj212Warning[]): Segment {
  const cpAt = findCp(data);
  const header = parseHeader(cpAt === 0 ? '' : data.slice(0, cpAt - 1), warnings);
  if (data.charCodeAt(cpAt + 3) !== 0x26 || data.charCodeAt(cpAt + 4) !== 0x26) {
    throw new Hj212Error('BAD_CP', `CP must start with "&&", got "${data.slice(cpAt, cpAt + 8)}"`, 'CP');
  }
  if (data.length < cpAt + 7 || !data.endsWith('&&')) {
    throw new Hj212Error('BAD_CP', `CP is not closed by "&&" at the end of the data segment ("…${data.slice(-12)}")`, 'CP');
  }
  const scanned = scanCpRange(data, cpAt + 5, data.length - 2, warnings);
  const version = decideVersion(header.flagBits, scanned.data, warnings);
  applyVersion(scanned.data, version, warnings);
  return { header, version, items: scanned.items, data: scanned.data };
}

/** Index of `CP=` at the start of a field. */
function findCp(data: string): number {
  if (data.startsWith('CP=')) return 0;
  const at = data.indexOf(';CP=');
  if (at < 0) throw new Hj212Error('BAD_FIELD', 'data segment has no CP field', 'CP');
  return at + 1;
}

function parseHeader(text: string, warnings: Hj212Warning[]): PacketHeader {
  let qn: string | null = null;
  let st: string | null = null;
  let cn: string | null = null;
  let pw: string | null = null;
  let mn: string | null = null;
  let flagText: string | null = null;
  let pnumText: string | null = null;
  let pnoText: string | null = null;
  const extraFields: Record<string, string> = {};
  let start = 0;
  const n = text.length;
  while (start <= n && n > 0) {
    let end = text.indexOf(';', start);
    if (end < 0) end = n;
    if (end > start) {
      const eq = text.indexOf('=', start);
      if (eq < 0 || eq >= end) throw new Hj212Error('BAD_FIELD', `header field "${text.slice(start, end)}" has no "="`, text.slice(start, end));
      const key = text.slice(start, eq);
      const value = text.slice(eq + 1, end);
      let seen = false;
      switch (key) {
        case 'QN': seen = qn !== null; qn ??= value; break;
        case 'ST': seen = st !== null; st ??= value; break;
        case 'CN': seen = cn !== null; cn ??= value; break;
        case 'PW': seen = pw !== null; pw ??= value; break;
        case 'MN': seen = mn !== null; mn ??= value; break;
        case 'Flag': seen = flagText !== null; flagText ??= value; break;
        case 'PNUM': seen = pnumText !== null; pnumText ??= value; break;
        case 'PNO': seen = pnoText !== null; pnoText ??= value; break;
        default:
          if (Object.hasOwn(extraFields, key)) seen = true;
          else {
            extraFields[key] = value;
            warnings.push({ code: 'EXTRA_FIELD', message: `non-standard header field ${key}=${value}` });
          }
      }
      if (seen) warnings.push({ code: 'DUPLICATE_FIELD', message: `header field ${key} repeated; the first value is kept` });
    }
    start = end + 1;
  }
  if (st === null || st === '') throw new Hj212Error('BAD_FIELD', st === null ? 'header has no ST' : 'ST is empty', 'ST');
  if (cn === null || !isDigits(cn)) throw new Hj212Error('BAD_FIELD', cn === null ? 'header has no CN' : `CN "${cn}" is not a number`, 'CN');
  if (mn === null) throw new Hj212Error('BAD_FIELD', 'header has no MN', 'MN');
  if (mn === '') warnings.push({ code: 'EMPTY_MN', message: 'MN is empty' });
  if (pw === null) warnings.push({ code: 'MISSING_PW', message: 'header has no PW' });
  else if (pw === '') warnings.push({ code: 'EMPTY_PW', message: 'PW is empty' });
  if (qn === null) warnings.push({ code: 'MISSING_QN', message: 'header has no QN (HJ/T 212-2005 style)' });
  else if (qn.length !== 17 || !isDigits(qn)) warnings.push({ code: 'BAD_QN', message: `QN "${qn}" is not YYYYMMDDhhmmsszzz` });
  if (!KNOWN_ST.has(st)) warnings.push({ code: 'UNKNOWN_ST', message: `unknown system code ST=${st}` });

  let flag: number | null = null;
  let flagBits: FlagBits | null = null;
  if (flagText === null) warnings.push({ code: 'MISSING_FLAG', message: 'header has no Flag (HJ/T 212-2005 style)' });
  else {
    if (!isDigits(flagText) || flagText.length > 3 || Number(flagText) > 255) {
      throw new Hj212Error('BAD_FIELD', `Flag "${flagText}" is not a number 0-255`, 'Flag');
    }
    flag = Number(flagText);
    flagBits = decodeFlag(flag);
  }
  const pnum = readPacketNumber(pnumText, 'PNUM');
  const pno = readPacketNumber(pnoText, 'PNO');
  if (flagBits?.subPacket && pnum === null && pno === null) {
    // Seen in the field (Flag=7 on whole packets): read as a single packet.
    warnings.push({ code: 'SPLIT_WITHOUT_PNUM', message: `Flag=${flag} marks a split packet but PNUM/PNO are missing: read as one packet` });
  }
  if ((pnum === null) !== (pno === null)) throw new Hj212Error('BAD_FIELD', 'PNUM and PNO must come together', pnum === null ? 'PNUM' : 'PNO');
  if (pnum !== null && pno !== null) {
    if (pno > pnum) throw new Hj212Error('BAD_FIELD', `PNO ${pno} is greater than PNUM ${pnum}`, 'PNO');
    if (!flagBits?.subPacket) warnings.push({ code: 'UNEXPECTED_PNUM', message: 'PNUM/PNO present but Flag does not mark a split packet' });
  }
  return { qn, st, cn, pw, mn, flag, flagBits, pnum, pno, extraFields };
}

function readPacketNumber(text: string | null, name: 'PNUM' | 'PNO'): number | null {
  if (text === null) return null;
  if (!isDigits(text) || text.length > 6 || Number(text) < 1) throw new Hj212Error('BAD_FIELD', `${name} "${text}" is not a positive number`, name);
  return Number(text);
}

/**
 * Flag version 1 (or higher) says 2017. Without a Flag or with version 0 we look at the factor
 * codes: 2005 packets use short codes (01, S01, 011); only 2017-shaped codes mean a 2017 logger
 * that forgot its version bits.
 */
function decideVersion(flagBits: FlagBits | null, data: CpData, warnings: Hj212Warning[]): ProtocolVersion {
  if (flagBits && flagBits.version >= 1) {
    if (flagBits.version > 1) warnings.push({ code: 'UNKNOWN_VERSION', message: `Flag version bits ${flagBits.version} unknown; read as HJ 212-2017` });
    return '2017';
  }
  const codes = data.pollutants.map((p) => p.code);
  if (codes.length > 0 && codes.every((c) => is2017Code(c) && !codes2005.has(c))) {
    warnings.push({ code: 'VERSION_INFERRED', message: 'Flag does not say 2017 but every factor code is a 2017 code: read as HJ 212-2017' });
    return '2017';
  }
  return '2005';
}
