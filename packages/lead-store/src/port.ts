import type { Anomaly, AnomalyCategory, LeadEvent, LeadResolution, LeadStatus, Role, RuleId, Site } from '@offsite/domain';
import type { AuditEntry, CorrelationParams, EvidencePackage, LeadCommand, Priority, ScoreFactor } from '@offsite/leads-core';

/**
 * The LeadStore port: leads, anomalies, audit chain, users and webhooks, with idempotent upserts.
 * Adapters: PostgreSQL (pg) and PGlite share one SQL implementation (sql-store.ts); both pass
 * test/contract.ts. Every list takes a region scope (6-digit code, see regionCovers) and filters
 * by it in SQL. Single-row reads by id are unscoped so the application can tell 403 from 404.
 */
export interface LeadRecord {
  id: string;
  mn: string;
  region: string;
  enterprise: string | null;
  category: AnomalyCategory;
  status: LeadStatus;
  resolution: LeadResolution | null;
  duplicateOf: string | null;
  closeReason: string | null;
  team: string | null;
  score: number;
  priority: Priority;
  breakdown: ScoreFactor[];
  anomalies: string[];
  /** Event-time span of the lead's anomalies. */
  firstAt: number;
  lastAt: number;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  evidenceVersion: number;
  evidenceSha256: string;
}

export interface LeadWithEvidence extends LeadRecord {
  evidence: EvidencePackage;
}

export interface StoredAnomaly extends Anomaly {
  region: string;
  leadId: string | null;
  suppressedBy: string | null;
  receivedAt: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back as `cursor` for the next page. null on the last page. */
  next: string | null;
}

export type LeadSort = 'updated' | 'created' | 'score';

export interface LeadFilter {
  status?: LeadStatus[];
  category?: AnomalyCategory;
  priority?: Priority[];
  mn?: string;
  team?: string;
  minScore?: number;
  /** Substring of MN or enterprise, or an exact lead id. */
  q?: string;
  /** Leads whose anomaly span overlaps [from, to). */
  from?: number;
  to?: number;
  sort?: LeadSort;
}

export interface AnomalyFilter {
  mn?: string;
  rule?: RuleId;
  leadId?: string;
  /** Anomalies overlapping [from, to), epoch ms. */
  from?: number;
  to?: number;
}

export interface AbsorbContext {
  now: number;
  site: (mn: string) => Site | undefined;
  correlation?: CorrelationParams;
}

export interface AbsorbOutcome {
  anomalyId: string;
  /** created: opened a lead; merged: joined one; updated: a newer version of a known anomaly; duplicate: replay, no effect. */
  result: 'created' | 'merged' | 'updated' | 'duplicate' | 'suppressed' | 'unassigned';
  leadId: string | null;
  reason: string;
  event?: LeadEvent;
}

export interface CommandResult {
  lead: LeadRecord;
  event: LeadEvent;
  suppressions: SuppressionRecord[];
}

export interface CommentRecord {
  id: string;
  leadId: string;
  author: string;
  text: string;
  at: number;
}

export interface AssignmentRecord {
  leadId: string;
  team: string;
  assignedBy: string;
  note: string | null;
  at: number;
}

export interface SuppressionRecord {
  id: string;
  mn: string;
  rule: RuleId;
  until: number;
  reason: string;
  createdBy: string;
  createdAt: number;
  leadId: string | null;
}

export interface UserRecord {
  id: string;
  name: string;
  role: Role;
  /** Region scope: what this user may see and act on. */
  region: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface WebhookRecord {
  id: string;
  url: string;
  /** Events of leads in this region scope are delivered. */
  region: string;
  createdBy: string;
  createdAt: number;
  active: boolean;
}

export interface DueDelivery {
  id: string;
  webhookId: string;
  url: string;
  secret: string;
  event: LeadEvent;
  attempts: number;
}

export interface DeliveryRecord {
  id: string;
  webhookId: string;
  leadId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
}

export interface AccessDenial {
  at: number;
  userId: string;
  role: Role;
  regionScope: string;
  action: string;
  resource: string | null;
  resourceRegion: string | null;
  reason: string;
}

export interface LeadStore {
  readonly kind: 'postgres' | 'pglite';

  /** Correlate, score and store anomalies in one transaction; replays are no-ops. */
  absorbAnomalies(anomalies: readonly Anomaly[], ctx: AbsorbContext): Promise<AbsorbOutcome[]>;

  getLead(id: string): Promise<LeadWithEvidence | null>;
  listLeads(scope: string, filter: LeadFilter, cursor: string | null, limit: number): Promise<Page<LeadRecord>>;
  leadAnomalies(leadId: string): Promise<StoredAnomaly[]>;
  evidenceVersion(leadId: string, version: number): Promise<EvidencePackage | null>;
  listAnomalies(scope: string, filter: AnomalyFilter, cursor: string | null, limit: number): Promise<Page<StoredAnomaly>>;

  /** Apply a lifecycle command to a lead within `scope` (NotFoundError outside it). */
  applyCommand(leadId: string, scope: string, command: LeadCommand, actor: string, now: number): Promise<CommandResult>;
  addComment(leadId: string, scope: string, author: string, text: string, now: number): Promise<{ comment: CommentRecord; event: LeadEvent }>;
  listComments(leadId: string): Promise<CommentRecord[]>;
  listAssignments(leadId: string): Promise<AssignmentRecord[]>;
  auditTrail(leadId: string): Promise<AuditEntry[]>;

  addSuppression(s: Omit<SuppressionRecord, 'createdAt'>, now: number): Promise<SuppressionRecord>;
  listSuppressions(filter: { mn?: string; activeAt?: number }): Promise<SuppressionRecord[]>;

  addUser(user: Omit<UserRecord, 'revokedAt'>, tokenSha256: string): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | null>;
  listUsers(scope: string): Promise<UserRecord[]>;
  revokeUser(id: string, now: number): Promise<boolean>;
  /** Replace a user's tokens with this one (used for the admin bootstrap). */
  setUserToken(userId: string, tokenSha256: string, now: number): Promise<void>;
  /** The live user holding this token hash, or null. */
  userByTokenHash(tokenSha256: string): Promise<UserRecord | null>;

  addWebhook(w: Omit<WebhookRecord, 'active'>, secret: string): Promise<WebhookRecord>;
  listWebhooks(scope: string): Promise<WebhookRecord[]>;
  /** Lease due deliveries (pending, next attempt ≤ now) for `leaseMs`, oldest first. */
  claimDeliveries(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]>;
  markDelivered(id: string, now: number): Promise<void>;
  markDeliveryFailed(id: string, error: string, nextAttemptAt: number | null): Promise<void>;
  listDeliveries(webhookId: string): Promise<DeliveryRecord[]>;

  /** Lead events written with their change (outbox), oldest first, until marked published. */
  pendingLeadEvents(limit: number): Promise<Array<{ id: string; event: LeadEvent }>>;
  markLeadEventsPublished(ids: readonly string[]): Promise<void>;

  logAccessDenied(d: AccessDenial): Promise<void>;
  listAccessDenied(limit: number): Promise<AccessDenial[]>;

  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
