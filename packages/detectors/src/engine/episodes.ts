import { anomalyId, ruleCategory, severityRank, type Anomaly } from '@offsite/domain';
import type { Finding } from '../types.js';

export interface Episode {
  anomaly: Anomaly;
  lastEmittedEnd: number;
  lastEmittedRank: number;
}

/** Build the published Anomaly of a finding (id from MN, pollutant[/scope], rule, window start). */
export function toAnomaly(mn: string, f: Finding, start = f.start, id?: string): Anomaly {
  const idPollutant = f.idScope ? `${f.pollutant ?? '-'}/${f.idScope}` : f.pollutant;
  return {
    id: id ?? anomalyId(mn, idPollutant, f.rule, start),
    mn,
    pollutant: f.pollutant,
    rule: f.rule,
    category: ruleCategory[f.rule],
    start,
    end: Math.max(start, f.end),
    severity: f.severity,
    evidence: {
      summary: f.summary,
      statistic: f.statistic,
      threshold: f.threshold,
      params: f.params,
      readings: f.readings,
      ...(f.limit ? { limit: f.limit } : {}),
    },
    detectedAt: f.detectedAt,
  };
}

/**
 * Open anomalies of one device, keyed by rule|pollutant. A condition that continues extends its
 * episode (same id, later end); updates are emitted when the end moved by ≥ updateEveryMs or the
 * severity rose, and once more when the episode closes.
 */
export class Episodes {
  readonly open = new Map<string, Episode>();

  constructor(
    private readonly mn: string,
    private readonly updateEveryMs: number,
  ) {}

  observe(key: string, f: Finding | null, out: Anomaly[], mergeGapMs = 0): void {
    const ep = this.open.get(key);
    if (!f) {
      if (ep) this.close(key, out);
      return;
    }
    if (ep && f.start <= ep.anomaly.end + mergeGapMs && f.end >= ep.anomaly.start) {
      const next = toAnomaly(this.mn, f, ep.anomaly.start, ep.anomaly.id);
      next.end = Math.max(next.end, ep.anomaly.end);
      if (severityRank[next.severity] < severityRank[ep.anomaly.severity]) next.severity = ep.anomaly.severity;
      ep.anomaly = next;
      const rank = severityRank[next.severity];
      if (next.end - ep.lastEmittedEnd >= this.updateEveryMs || rank > ep.lastEmittedRank) this.emit(ep, out);
      return;
    }
    if (ep) this.close(key, out);
    const a = toAnomaly(this.mn, f);
    const fresh: Episode = { anomaly: a, lastEmittedEnd: a.end, lastEmittedRank: severityRank[a.severity] };
    this.open.set(key, fresh);
    out.push(a);
  }

  close(key: string, out: Anomaly[]): void {
    const ep = this.open.get(key);
    if (!ep) return;
    this.open.delete(key);
    if (ep.anomaly.end > ep.lastEmittedEnd || severityRank[ep.anomaly.severity] > ep.lastEmittedRank) out.push(ep.anomaly);
  }

  closeAll(out: Anomaly[]): void {
    for (const key of [...this.open.keys()]) this.close(key, out);
  }

  private emit(ep: Episode, out: Anomaly[]): void {
    ep.lastEmittedEnd = ep.anomaly.end;
    ep.lastEmittedRank = severityRank[ep.anomaly.severity];
    out.push(ep.anomaly);
  }

  toJSON(): Record<string, Episode> {
    return Object.fromEntries(this.open);
  }

  static fromJSON(mn: string, updateEveryMs: number, j: Record<string, Episode>): Episodes {
    const e = new Episodes(mn, updateEveryMs);
    for (const [k, v] of Object.entries(j)) e.open.set(k, v);
    return e;
  }
}
