import { z } from 'zod';
import type { BuildInput } from './build.js';
import type { Hj212Packet } from './packet.js';

const text = z.union([z.string(), z.number()]).transform(String);
const item = z.union([
  z.object({ key: z.string(), value: text, group: z.number().int().nonnegative().optional() }),
  z.tuple([z.string(), text]),
]);

/** One `hj212 build` input line: the packet shape `hj212 parse` prints (extra fields ignored), or `{"packet": …}`. */
export const BuildLine = z.object({
  qn: z.string().nullable().optional(),
  st: text,
  cn: text,
  pw: z.string().nullable().optional(),
  mn: z.string(),
  flag: z.number().int().min(0).max(255).nullable().optional(),
  pnum: z.number().int().positive().nullable().optional(),
  pno: z.number().int().positive().nullable().optional(),
  extraFields: z.record(z.string(), z.string()).optional(),
  cp: z.union([z.record(z.string(), text), z.array(item)]).optional(),
  items: z.array(item).optional(),
});

export function toBuildInput(json: unknown): BuildInput {
  const unwrapped = json !== null && typeof json === 'object' && 'packet' in json ? (json as { packet: unknown }).packet : json;
  return BuildLine.parse(unwrapped) as BuildInput;
}

/** The JSON a `hj212 parse` line prints for a packet (documented in README.md). */
export function packetJson(p: Hj212Packet): Record<string, unknown> {
  return {
    qn: p.qn,
    st: p.st,
    cn: p.cn,
    pw: p.pw,
    mn: p.mn,
    flag: p.flag,
    flagBits: p.flagBits,
    pnum: p.pnum,
    pno: p.pno,
    version: p.version,
    crc: p.crc,
    length: p.length,
    extraFields: p.extraFields,
    cp: p.cp,
    items: p.items,
    data: p.data,
    warnings: p.warnings,
  };
}
