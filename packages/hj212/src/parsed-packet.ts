import type { CpItem } from './cp.js';
import type { CpData } from './data.js';
import type { Hj212Warning } from './errors.js';
import type { FlagBits } from './flag.js';
import type { Hj212Packet, ProtocolVersion } from './packet.js';

/** Header fields as parsePacket reads them. */
export interface PacketHeader {
  qn: string | null;
  st: string;
  cn: string;
  pw: string | null;
  mn: string;
  flag: number | null;
  flagBits: FlagBits | null;
  pnum: number | null;
  pno: number | null;
  /** Header keys other than QN/ST/CN/PW/MN/Flag/PNUM/PNO, in order. */
  extraFields: Record<string, string>;
}

/** Plain record of the items (first occurrence wins; repeats were warned about by scanCp). */
export function cpRecordOf(items: readonly CpItem[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const item of items) record[item.key] ??= item.value;
  return record;
}

/**
 * What parsePacket returns. Every field is an own, enumerable property in the documented order
 * (JSON, spread and toEqual see a plain packet). `cp` is an own accessor that builds the record
 * from `items` on first read and keeps it: data packets are turned into readings from `data` and
 * rarely need `cp`, whose dynamic keys made it the most expensive part of a parse.
 */
export class ParsedPacket implements Hj212Packet {
  declare qn: string | null;
  declare st: string;
  declare cn: string;
  declare pw: string | null;
  declare mn: string;
  declare flag: number | null;
  declare flagBits: FlagBits | null;
  declare pnum: number | null;
  declare pno: number | null;
  declare extraFields: Record<string, string>;
  declare version: ProtocolVersion;
  declare items: CpItem[];
  declare cp: Record<string, string>;
  declare data: CpData;
  declare warnings: Hj212Warning[];
  declare crc: string;
  declare length: number;
  #cp: Record<string, string> | undefined = undefined;

  /** One shared accessor pair for every packet (no closure per packet). */
  static readonly #cpProperty: PropertyDescriptor = {
    get(this: ParsedPacket): Record<string, string> {
      return (this.#cp ??= cpRecordOf(this.items));
    },
    set(this: ParsedPacket, value: Record<string, string>): void {
      this.#cp = value;
    },
    enumerable: true,
    configurable: true,
  };

  constructor(header: PacketHeader, version: ProtocolVersion, items: CpItem[], data: CpData, warnings: Hj212Warning[], crc: string, length: number) {
    this.qn = header.qn;
    this.st = header.st;
    this.cn = header.cn;
    this.pw = header.pw;
    this.mn = header.mn;
    this.flag = header.flag;
    this.flagBits = header.flagBits;
    this.pnum = header.pnum;
    this.pno = header.pno;
    this.extraFields = header.extraFields;
    this.version = version;
    this.items = items;
    Object.defineProperty(this, 'cp', ParsedPacket.#cpProperty);
    this.data = data;
    this.warnings = warnings;
    this.crc = crc;
    this.length = length;
  }
}
