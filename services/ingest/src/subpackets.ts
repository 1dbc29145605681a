import type { Hj212Packet } from '@offsite/hj212';

type Transport = 'mqtt' | 'tcp' | 'json';

export interface IncompleteSet {
  mn: string;
  qn: string | null;
  cn: string;
  pnum: number;
  received: number[];
  raws: Buffer[];
  transport: Transport;
  peer: string;
}

export interface SubPacketAssembler {
  /** Adds one sub-packet; returns the whole packet once every PNO of its set is in. */
  add(packet: Hj212Packet, info: { at: number; raw: Buffer | string; transport: Transport; peer: string }): Hj212Packet | null;
  /** Removes and returns sets whose first sub-packet arrived before `before`. */
  expire(before: number): IncompleteSet[];
  readonly open: number;
}

interface OpenSet extends IncompleteSet {
  firstAt: number;
  parts: Map<number, Hj212Packet>;
}

/**
 * Reassembles split uploads (Flag bit D, PNUM/PNO). A set is one MN + QN + CN (the standard
 * repeats the QN in every sub-packet). The whole packet is the first part with every part's CP
 * items concatenated in PNO order; a repeated PNO replaces the earlier one.
 */
export function createSubPacketAssembler(): SubPacketAssembler {
  const sets = new Map<string, OpenSet>();
  return {
    add(packet, info) {
      const pnum = packet.pnum ?? 1;
      const pno = packet.pno ?? 1;
      const key = `${packet.mn}|${packet.qn ?? ''}|${packet.cn}|${pnum}`;
      let set = sets.get(key);
      if (!set) {
        set = { mn: packet.mn, qn: packet.qn, cn: packet.cn, pnum, received: [], raws: [], transport: info.transport, peer: info.peer, firstAt: info.at, parts: new Map() };
        sets.set(key, set);
      }
      set.parts.set(pno, packet);
      set.raws.push(typeof info.raw === 'string' ? Buffer.from(info.raw) : info.raw);
      set.received = [...set.parts.keys()].sort((a, b) => a - b);
      if (set.parts.size < pnum) return null;
      sets.delete(key);
      const ordered = set.received.map((n) => set.parts.get(n) as Hj212Packet);
      const first = ordered[0] as Hj212Packet;
      const pollutants = ordered.flatMap((p) => p.data.pollutants);
      const items = ordered.flatMap((p) => p.items);
      const cp = Object.assign({}, ...ordered.map((p) => p.cp)) as Record<string, string>;
      return {
        ...first,
        pno: null,
        pnum: null,
        items,
        cp,
        data: { ...first.data, pollutants, params: Object.assign({}, ...ordered.map((p) => p.data.params)) as Record<string, string> },
        warnings: ordered.flatMap((p) => p.warnings),
      };
    },
    expire(before) {
      const out: IncompleteSet[] = [];
      for (const [key, set] of sets) {
        if (set.firstAt < before) {
          sets.delete(key);
          out.push({ mn: set.mn, qn: set.qn, cn: set.cn, pnum: set.pnum, received: set.received, raws: set.raws, transport: set.transport, peer: set.peer });
        }
      }
      return out;
    },
    get open() {
      return sets.size;
    },
  };
}
