import type { Anomaly, LeadEvent } from '@offsite/domain';
import type { AuditEntry, EvidencePackage, Priority, ScoreFactor } from '@offsite/leads-core';
import type { AccessDenial, CommentRecord, DeliveryRecord, LeadRecord, StoredAnomaly, SuppressionRecord, UserRecord, WebhookRecord, AssignmentRecord } from './port.js';
import { json, num, numOrNull, strOrNull, type Row } from './sql.js';

/** Row → record mappers, one per table. */
export const LEAD_COLUMNS = `id, mn, region, enterprise, category, categories, status, resolution, duplicate_of, close_reason, team, score, priority, breakdown, anomaly_ids, first_at, last_at, created_at, updated_at, closed_at, evidence_version, evidence_sha256, audit_seq, audit_head`;

export function toLead(r: Row): LeadRecord {
  return {
    id: String(r.id),
    mn: String(r.mn),
    region: String(r.region),
    enterprise: strOrNull(r.enterprise),
    category: r.category as LeadRecord['category'],
    status: r.status as LeadRecord['status'],
    resolution: strOrNull(r.resolution) as LeadRecord['resolution'],
    duplicateOf: strOrNull(r.duplicate_of),
    closeReason: strOrNull(r.close_reason),
    team: strOrNull(r.team),
    score: num(r.score),
    priority: r.priority as Priority,
    breakdown: json<ScoreFactor[]>(r.breakdown),
    anomalies: (r.anomaly_ids as string[] | null) ?? [],
    firstAt: num(r.first_at),
    lastAt: num(r.last_at),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    closedAt: numOrNull(r.closed_at),
    evidenceVersion: num(r.evidence_version),
    evidenceSha256: String(r.evidence_sha256),
  };
}

export function toEvent(lead: LeadRecord, change: LeadEvent['change']): LeadEvent {
  return {
    id: lead.id,
    mn: lead.mn,
    region: lead.region,
    enterprise: lead.enterprise,
    category: lead.category,
    status: lead.status,
    score: lead.score,
    priority: lead.priority,
    anomalies: lead.anomalies,
    updatedAt: lead.updatedAt,
    change,
  };
}

/** What the audit chain records of a lead's state. */
export function leadSnapshot(l: LeadRecord): Record<string, unknown> {
  return {
    status: l.status,
    resolution: l.resolution,
    duplicateOf: l.duplicateOf,
    closeReason: l.closeReason,
    team: l.team,
    category: l.category,
    score: l.score,
    priority: l.priority,
    anomalies: l.anomalies.length,
    evidenceVersion: l.evidenceVersion,
    evidenceSha256: l.evidenceSha256,
  };
}

export const ANOMALY_COLUMNS = `id, mn, region, pollutant, rule, category, start_at, end_at, severity, detected_at, evidence, lead_id, suppressed_by, received_at`;

export function toAnomaly(r: Row): StoredAnomaly {
  return {
    id: String(r.id),
    mn: String(r.mn),
    region: String(r.region),
    pollutant: strOrNull(r.pollutant),
    rule: r.rule as Anomaly['rule'],
    category: r.category as Anomaly['category'],
    start: num(r.start_at),
    end: num(r.end_at),
    severity: r.severity as Anomaly['severity'],
    detectedAt: num(r.detected_at),
    evidence: json<Anomaly['evidence']>(r.evidence),
    leadId: strOrNull(r.lead_id),
    suppressedBy: strOrNull(r.suppressed_by),
    receivedAt: num(r.received_at),
  };
}

/** The domain Anomaly (without storage fields), as frozen into evidence. */
export function plainAnomaly(a: StoredAnomaly): Anomaly {
  const { id, mn, pollutant, rule, category, start, end, severity, evidence, detectedAt } = a;
  return { id, mn, pollutant, rule, category, start, end, severity, evidence, detectedAt };
}

export function toAudit(r: Row): AuditEntry {
  return {
    leadId: String(r.lead_id),
    seq: num(r.seq),
    at: num(r.at),
    actor: String(r.actor),
    action: r.action as AuditEntry['action'],
    before: r.before === undefined ? null : json(r.before),
    after: r.after === undefined ? null : json(r.after),
    prevHash: String(r.prev_hash),
    hash: String(r.hash),
  };
}

export const toComment = (r: Row): CommentRecord => ({ id: String(r.id), leadId: String(r.lead_id), author: String(r.author), text: String(r.text), at: num(r.at) });
export const toAssignment = (r: Row): AssignmentRecord => ({ leadId: String(r.lead_id), team: String(r.team), assignedBy: String(r.assigned_by), note: strOrNull(r.note), at: num(r.at) });
export const toSuppression = (r: Row): SuppressionRecord => ({
  id: String(r.id),
  mn: String(r.mn),
  rule: r.rule as SuppressionRecord['rule'],
  until: num(r.until_at),
  reason: String(r.reason),
  createdBy: String(r.created_by),
  createdAt: num(r.created_at),
  leadId: strOrNull(r.lead_id),
});
export const toUser = (r: Row): UserRecord => ({ id: String(r.id), name: String(r.name), role: r.role as UserRecord['role'], region: String(r.region), createdAt: num(r.created_at), revokedAt: numOrNull(r.revoked_at) });
export const toWebhook = (r: Row): WebhookRecord => ({ id: String(r.id), url: String(r.url), region: String(r.region), createdBy: String(r.created_by), createdAt: num(r.created_at), active: Boolean(r.active) });
export const toDelivery = (r: Row): DeliveryRecord => ({
  id: String(r.id),
  webhookId: String(r.webhook_id),
  leadId: String(r.lead_id),
  status: r.status as DeliveryRecord['status'],
  attempts: num(r.attempts),
  nextAttemptAt: num(r.next_attempt_at),
  lastError: strOrNull(r.last_error),
  deliveredAt: numOrNull(r.delivered_at),
});
export const toDenial = (r: Row): AccessDenial => ({
  at: num(r.at),
  userId: String(r.user_id),
  role: r.role as AccessDenial['role'],
  regionScope: String(r.region_scope),
  action: String(r.action),
  resource: strOrNull(r.resource),
  resourceRegion: strOrNull(r.resource_region),
  reason: String(r.reason),
});
export type { EvidencePackage };

/** The last audit entry of a lead, kept on its row (migration 2). */
export function auditHeadOf(r: Row): { seq: number; hash: string } | undefined {
  const seq = num(r.audit_seq);
  return seq > 0 ? { seq, hash: String(r.audit_head) } : undefined;
}
