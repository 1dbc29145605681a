import type { EvidenceReading } from '@offsite/domain';
import type { RuleParams } from '../params.js';
import type { Finding } from '../types.js';
import { fmtTime } from '../context.js';
import type { BatchInfo } from './timing.js';

/** FNV-1a over the written content of a packet's readings: equal hash = identical resend. */
export function batchFingerprint(readings: readonly { code: string; text: string | null; value: number | null; flag: string | null }[]): number {
  // Order-independent: the sum of per-reading FNV-1a hashes.
  let total = 0;
  for (const r of readings) {
    let h = 0x811c9dc5;
    const s = `${r.code}=${r.text ?? String(r.value)}/${r.flag ?? ''}`;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    total = (total + (h >>> 0)) >>> 0;
  }
  return total;
}

/**
 * duplicate-timestamp: the same DataTime (same data kind) arrives twice with different values. An
 * identical resend (missing ack) is normal and never reaches this rule. `previous` holds the first
 * version's readings when still in memory; `changed` the codes whose values differ.
 */
export function duplicateFinding(
  b: BatchInfo,
  current: readonly EvidenceReading[],
  previous: readonly EvidenceReading[],
  changed: readonly string[],
  p: RuleParams['duplicate-timestamp'],
): Finding {
  const what = changed.length ? `different values for ${changed.slice(0, 6).join(', ')}${changed.length > 6 ? '…' : ''}` : 'different content';
  return {
    rule: 'duplicate-timestamp',
    pollutant: null,
    start: b.dataTime,
    end: b.dataTime,
    severity: changed.length ? 'medium' : 'low',
    summary:
      `A second ${b.kind} packet (CN ${b.cn}) for DataTime ${fmtTime(b.dataTime, b.site)} arrived at ${fmtTime(b.receivedAt, b.site)} with ${what}; ` +
      'the first version was kept. A resend with identical values is normal; changed values are a rewrite of reported data.',
    statistic: { name: 'changed factors', value: changed.length },
    threshold: { name: 'changed factors', value: 0 },
    params: { ...p, kind: b.kind },
    readings: [...previous, ...current],
    detectedAt: b.dataTime,
  };
}
