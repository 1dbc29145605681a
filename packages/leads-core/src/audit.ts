import { canonicalJson, sha256Hex } from './canonical.js';

/** prevHash of a chain's first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditAction =
  | 'created'
  | 'merged'
  | 'anomaly-updated'
  | 'acknowledge'
  | 'assign'
  | 'investigate'
  | 'close'
  | 'reopen'
  | 'comment';

export interface AuditEntryInput {
  leadId: string;
  seq: number;
  at: number;
  /** user id, or `system:leads` for the consumer. */
  actor: string;
  action: AuditAction;
  before: unknown;
  after: unknown;
}

export interface AuditEntry extends AuditEntryInput {
  prevHash: string;
  hash: string;
}

/** hash = sha256(canonical JSON of every field but `hash`, prevHash included). */
export function hashAuditEntry(entry: AuditEntryInput & { prevHash: string }): string {
  const { leadId, seq, at, actor, action, before, after, prevHash } = entry;
  return sha256Hex(canonicalJson({ leadId, seq, at, actor, action, before: before ?? null, after: after ?? null, prevHash }));
}

/** The next entry of a chain whose last entry is `previous` (undefined for the first). */
export function chainAuditEntry(previous: AuditEntry | { seq: number; hash: string } | undefined, input: Omit<AuditEntryInput, 'seq'>): AuditEntry {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : GENESIS_HASH;
  const full = { ...input, before: input.before ?? null, after: input.after ?? null, seq, prevHash };
  return { ...full, hash: hashAuditEntry(full) };
}

export type ChainVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; brokenSeq: number; reason: string; entries: number };

/**
 * Check a lead's chain in seq order: seqs run 1..n without gaps, each prevHash is the previous
 * hash, each hash matches its content. Reports the first entry that fails.
 */
export function verifyChain(entries: readonly AuditEntry[]): ChainVerdict {
  const sorted = [...entries].sort((a, b) => a.seq - b.seq);
  let prevHash = GENESIS_HASH;
  let leadId: string | undefined;
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    const broken = (reason: string): ChainVerdict => ({ ok: false, brokenSeq: e.seq, reason, entries: sorted.length });
    if (e.seq !== i + 1) return { ok: false, brokenSeq: i + 1, reason: `entry seq ${i + 1} missing (found ${e.seq})`, entries: sorted.length };
    if (leadId !== undefined && e.leadId !== leadId) return broken(`lead id ${e.leadId} differs from ${leadId}`);
    leadId = e.leadId;
    if (e.prevHash !== prevHash) return broken('prevHash does not match the previous entry hash');
    if (hashAuditEntry(e) !== e.hash) return broken('hash does not match the entry content');
    prevHash = e.hash;
  }
  return { ok: true, entries: sorted.length, head: prevHash };
}
