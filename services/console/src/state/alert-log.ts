import { regionCovers, type Anomaly, type LeadEvent, type Severity } from '@offsite/domain';

export interface Alert {
  /** Monotonic across restarts (starts at the boot clock in ms), so Last-Event-ID stays meaningful. */
  id: number;
  type: 'anomaly' | 'lead';
  at: number;
  region: string;
  mn: string;
  severity: Severity;
  summary: string;
  rule: string | null;
  pollutant: string | null;
  category: string;
  anomalyId: string | null;
  leadId: string | null;
  leadStatus: string | null;
  priority: string | null;
  change: string | null;
  start: number | null;
  end: number | null;
  ack: { by: string; at: number } | null;
}

export type AlertInput = Omit<Alert, 'id' | 'ack'>;

export type AlertEvent = { kind: 'alert'; alert: Alert } | { kind: 'ack'; alert: Alert };

const prioritySeverity: Record<LeadEvent['priority'], Severity> = { P1: 'critical', P2: 'high', P3: 'medium', P4: 'low' };

export function alertFromAnomaly(a: Anomaly, region: string, now: number): AlertInput {
  return {
    type: 'anomaly',
    at: now,
    region,
    mn: a.mn,
    severity: a.severity,
    summary: a.evidence.summary,
    rule: a.rule,
    pollutant: a.pollutant,
    category: a.category,
    anomalyId: a.id,
    leadId: null,
    leadStatus: null,
    priority: null,
    change: null,
    start: a.start,
    end: a.end,
  };
}

export function alertFromLead(e: LeadEvent, now: number): AlertInput {
  return {
    type: 'lead',
    at: now,
    region: e.region,
    mn: e.mn,
    severity: prioritySeverity[e.priority],
    summary: `${e.change}: ${e.category} lead ${e.id} (${e.priority}, score ${e.score}) is ${e.status}`,
    rule: null,
    pollutant: null,
    category: e.category,
    anomalyId: e.anomalies[0] ?? null,
    leadId: e.id,
    leadStatus: e.status,
    priority: e.priority,
    change: e.change,
    start: null,
    end: null,
  };
}

/**
 * The recent alerts, bounded (oldest dropped first), with subscribers for the SSE streams.
 * A reconnecting stream replays everything after its Last-Event-ID that is still retained.
 */
export class AlertLog {
  private readonly entries: Alert[] = [];
  private readonly byId = new Map<number, Alert>();
  private readonly listeners = new Set<(e: AlertEvent) => void>();
  private nextId: number;

  constructor(
    readonly capacity: number,
    startId: number,
  ) {
    this.nextId = startId;
  }

  push(input: AlertInput): Alert {
    const alert: Alert = { ...input, id: this.nextId++, ack: null };
    this.entries.push(alert);
    this.byId.set(alert.id, alert);
    while (this.entries.length > this.capacity) this.byId.delete(this.entries.shift()!.id);
    this.emit({ kind: 'alert', alert });
    return alert;
  }

  get(id: number): Alert | undefined {
    return this.byId.get(id);
  }

  acknowledge(id: number, by: string, at: number): Alert | undefined {
    const alert = this.byId.get(id);
    if (!alert) return undefined;
    if (!alert.ack) {
      alert.ack = { by, at };
      this.emit({ kind: 'ack', alert });
    }
    return alert;
  }

  /** Alerts after `afterId` within scope, oldest first, and whether some were already dropped. */
  since(afterId: number, scope: string): { alerts: Alert[]; gap: boolean } {
    const oldest = this.entries[0]?.id;
    const gap = oldest !== undefined && afterId < oldest - 1;
    return { alerts: this.entries.filter((a) => a.id > afterId && regionCovers(scope, a.region)), gap };
  }

  /** Newest first, for the list endpoint. */
  recent(scope: string, filter: { beforeId?: number; type?: Alert['type']; unacked?: boolean; minSeverity?: Severity }): Alert[] {
    const out: Alert[] = [];
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const a = this.entries[i]!;
      if (filter.beforeId !== undefined && a.id >= filter.beforeId) continue;
      if (!regionCovers(scope, a.region)) continue;
      if (filter.type && a.type !== filter.type) continue;
      if (filter.unacked && a.ack) continue;
      if (filter.minSeverity && rank[a.severity] < rank[filter.minSeverity]) continue;
      out.push(a);
    }
    return out;
  }

  subscribe(listener: (e: AlertEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.entries.length;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  get oldestId(): number | null {
    return this.entries[0]?.id ?? null;
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  private emit(e: AlertEvent): void {
    for (const l of this.listeners) l(e);
  }
}

const rank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };
