import { Reassembler, type Hj212Packet } from '@offsite/hj212';

type Transport = 'mqtt' | 'tcp' | 'json';

export interface IncompleteSet {
  mn: string;
  qn: string | null;
  cn: string;
  pnum: number;
  received: number[];
  missing: number[];
  reason: string;
  raws: Buffer[];
  transport: Transport;
  peer: string;
}

export interface SubPacketAssembler {
  /** Adds one sub-packet; returns the whole packet once every PNO of its set is in. */
  add(packet: Hj212Packet, info: { at: number; raw: Buffer | string; transport: Transport; peer: string }): Hj212Packet | null;
  /** Sets that timed out (or were evicted) as of `now`, with the raw bytes of the parts that came. */
  expire(now: number): IncompleteSet[];
}

/**
 * Split uploads (Flag bit D, PNUM/PNO) through the codec's Reassembler; ingest keeps the raw
 * bytes of each part beside it so an incomplete set goes to the dead letters as received.
 */
export function createSubPacketAssembler(opts: { timeoutMs: number; maxSets?: number }): SubPacketAssembler {
  const reassembler = new Reassembler({ timeoutMs: opts.timeoutMs, maxSets: opts.maxSets ?? 10_000 });
  const raws = new Map<string, { raws: Buffer[]; transport: Transport; peer: string }>();
  // Same identity as the codec's set key (MN, CN, QN or DataTime, PNUM).
  const keyOf = (p: { mn: string; cn: string; qn: string | null; pnum: number | null }, dataTime: string | null) => `${p.mn}|${p.cn}|${p.qn ?? dataTime ?? ''}|${p.pnum}`;
  const evicted: IncompleteSet[] = [];

  const toIncomplete = (r: Extract<ReturnType<Reassembler['push']>[number], { status: 'incomplete' }>): IncompleteSet => {
    const key = keyOf(r, r.parts[0]?.data.dataTime ?? null);
    const kept = raws.get(key);
    raws.delete(key);
    return { mn: r.mn, qn: r.qn, cn: r.cn, pnum: r.pnum, received: r.received, missing: r.missing, reason: r.reason, raws: kept?.raws ?? [], transport: kept?.transport ?? 'tcp', peer: kept?.peer ?? '' };
  };

  return {
    add(packet, info) {
      const key = keyOf(packet, packet.data.dataTime);
      const kept = raws.get(key) ?? { raws: [], transport: info.transport, peer: info.peer };
      kept.raws.push(typeof info.raw === 'string' ? Buffer.from(info.raw) : info.raw);
      raws.set(key, kept);
      let whole: Hj212Packet | null = null;
      for (const r of reassembler.push(packet, info.at)) {
        if (r.status === 'complete') {
          raws.delete(keyOf(r.parts[0] ?? packet, (r.parts[0] ?? packet).data.dataTime));
          whole = r.packet;
        } else evicted.push(toIncomplete(r));
      }
      return whole;
    },
    expire(now) {
      const out = evicted.splice(0);
      for (const r of reassembler.expire(now)) if (r.status === 'incomplete') out.push(toIncomplete(r));
      return out;
    },
  };
}
