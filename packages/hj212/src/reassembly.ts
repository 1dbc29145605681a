import { cpRecord, type CpItem } from './cp.js';
import { interpretCp } from './data.js';
import type { Hj212Warning } from './errors.js';
import type { Hj212Packet } from './packet.js';

export interface ReassemblerOptions {
  /** A set not completed this long after its first part is reported incomplete (default 60 s). */
  timeoutMs?: number;
  /** At most this many sets wait at once; the oldest is reported incomplete to make room (default 1000). */
  maxSets?: number;
}

export type ReassemblyResult =
  | { status: 'complete'; packet: Hj212Packet; parts: Hj212Packet[] }
  | {
      status: 'incomplete';
      reason: 'timeout' | 'evicted' | 'flushed';
      mn: string;
      cn: string;
      qn: string | null;
      pnum: number;
      received: number[];
      missing: number[];
      parts: Hj212Packet[];
    };

interface PendingSet {
  firstSeen: number;
  pnum: number;
  parts: Map<number, Hj212Packet>;
  duplicates: number;
}

/**
 * Joins split packets (Flag bit D, PNUM/PNO). Pure: time only comes from the `now` the caller
 * passes. Sets are keyed by MN, CN, QN (DataTime when there is no QN) and PNUM.
 */
export class Reassembler {
  private readonly sets = new Map<string, PendingSet>();
  private readonly timeoutMs: number;
  private readonly maxSets: number;

  constructor(options: ReassemblerOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxSets = Math.max(1, options.maxSets ?? 1000);
  }

  get pending(): number {
    return this.sets.size;
  }

  /** Adds a packet; returns what became complete (a non-split packet at once) and what timed out or was evicted. */
  push(packet: Hj212Packet, now: number): ReassemblyResult[] {
    const results = this.expire(now);
    if (packet.pnum === null || packet.pno === null) {
      results.push({ status: 'complete', packet, parts: [packet] });
      return results;
    }
    const key = setKey(packet);
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.maxSets) {
        const oldestKey = this.sets.keys().next().value as string;
        results.push(incomplete(this.sets.get(oldestKey) as PendingSet, 'evicted'));
        this.sets.delete(oldestKey);
      }
      set = { firstSeen: now, pnum: packet.pnum, parts: new Map(), duplicates: 0 };
      this.sets.set(key, set);
    }
    if (set.parts.has(packet.pno)) set.duplicates++;
    else set.parts.set(packet.pno, packet);
    if (set.parts.size === set.pnum) {
      this.sets.delete(key);
      const parts = [...set.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
      results.push({ status: 'complete', packet: mergeParts(parts, set.duplicates), parts });
    }
    return results;
  }

  /** Reports (and forgets) every set older than the timeout. */
  expire(now: number): ReassemblyResult[] {
    const results: ReassemblyResult[] = [];
    for (const [key, set] of this.sets) {
      if (now - set.firstSeen >= this.timeoutMs) {
        results.push(incomplete(set, 'timeout'));
        this.sets.delete(key);
      }
    }
    return results;
  }

  /** Reports every pending set as incomplete (shutdown). */
  flush(): ReassemblyResult[] {
    const results = [...this.sets.values()].map((set) => incomplete(set, 'flushed'));
    this.sets.clear();
    return results;
  }
}

function setKey(p: Hj212Packet): string {
  return `${p.mn}\u0000${p.cn}\u0000${p.qn ?? p.data.dataTime ?? ''}\u0000${p.pnum}`;
}

function incomplete(set: PendingSet, reason: 'timeout' | 'evicted' | 'flushed'): ReassemblyResult {
  const received = [...set.parts.keys()].sort((a, b) => a - b);
  const missing: number[] = [];
  for (let pno = 1; pno <= set.pnum; pno++) if (!set.parts.has(pno)) missing.push(pno);
  const parts = received.map((pno) => set.parts.get(pno) as Hj212Packet);
  const first = parts[0] as Hj212Packet;
  return { status: 'incomplete', reason, mn: first.mn, cn: first.cn, qn: first.qn, pnum: set.pnum, received, missing, parts };
}

/**
 * One packet from ordered parts: header of part 1, CP items concatenated (group numbers shifted
 * so groups stay apart). A DataTime repeated with the same value in later parts is not repeated.
 * The result has pnum = number of parts and pno = null.
 */
export function mergeParts(parts: readonly Hj212Packet[], duplicates = 0): Hj212Packet {
  const first = parts[0];
  if (!first) throw new RangeError('mergeParts needs at least one part');
  const items: CpItem[] = [];
  const warnings: Hj212Warning[] = [];
  const seenWarnings = new Set<string>();
  let groupOffset = 0;
  for (const part of parts) {
    let maxGroup = -1;
    for (const item of part.items) {
      if (part !== first && item.key === 'DataTime' && item.value === first.data.dataTime) continue;
      items.push({ key: item.key, value: item.value, group: item.group + groupOffset });
      maxGroup = Math.max(maxGroup, item.group);
    }
    groupOffset += maxGroup + 1;
    for (const w of part.warnings) {
      const id = `${w.code}\u0000${w.message}`;
      if (!seenWarnings.has(id)) {
        seenWarnings.add(id);
        warnings.push(w);
      }
    }
  }
  if (duplicates > 0) warnings.push({ code: 'DUPLICATE_PART', message: `${duplicates} repeated sub-packet(s) ignored (first copy kept)` });
  const cp = cpRecord(items, warnings);
  const data = interpretCp(items, first.version, []);
  return { ...first, pnum: parts.length, pno: null, items, cp, data, warnings, length: parts.reduce((n, p) => n + p.length, 0) };
}
