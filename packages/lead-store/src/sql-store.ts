import { RegionCode, regionPrefix, type Anomaly, type LeadEvent, type Site } from '@offsite/domain';
import {
  applyCommand,
  buildEvidencePackage,
  chainAuditEntry,
  canonicalJson,
  correlate,
  defaultCorrelationParams,
  exportEvidenceJson,
  leadCategory,
  leadIdFor,
  NotFoundError,
  scoreLead,
  sha256Hex,
  ValidationError,
  type AuditEntry,
  type EvidencePackage,
  type LeadCandidate,
  type LeadCommand,
} from '@offsite/leads-core';
import { checkLimit, decodeCursor, encodeCursor, Params } from './cursor.js';
import type {
  AbsorbContext,
  AbsorbOutcome,
  AccessDenial,
  AnomalyFilter,
  CommandResult,
  CommentRecord,
  DueDelivery,
  LeadFilter,
  LeadRecord,
  LeadStore,
  LeadWithEvidence,
  Page,
  StoredAnomaly,
  SuppressionRecord,
  UserRecord,
  WebhookRecord,
} from './port.js';
import {
  ANOMALY_COLUMNS,
  LEAD_COLUMNS,
  leadSnapshot,
  plainAnomaly,
  toAnomaly,
  toAssignment,
  toAudit,
  toComment,
  toDelivery,
  toDenial,
  toEvent,
  toLead,
  toSuppression,
  toUser,
  toWebhook,
} from './rows.js';
import { json, num, type Sql, type SqlDriver } from './sql.js';
import { auditHeadOf } from './rows.js';
import { migrate } from './migrations.js';

const SYSTEM_ACTOR = 'system:leads';

/** `region LIKE $n` pattern for a scope; rejects anything but a 6-digit code (no LIKE injection). */
function scopePattern(scope: string): string {
  if (!RegionCode.safeParse(scope).success) throw new ValidationError(`region scope must be a 6-digit code, got "${scope}"`);
  return `${regionPrefix(scope)}%`;
}

const anomalyHash = (a: Anomaly) => sha256Hex(canonicalJson(a));

/**
 * The one SQL implementation behind both adapters. Absorption takes a per-site advisory lock
 * inside the transaction, so two consumers (or a consumer and a replay) cannot open two leads
 * for the same burst.
 */
export class SqlLeadStore implements LeadStore {
  constructor(private readonly db: SqlDriver) {}

  get kind(): 'postgres' | 'pglite' {
    return this.db.kind;
  }

  async init(): Promise<this> {
    await migrate(this.db);
    return this;
  }

  // ---- absorption ------------------------------------------------------------------------

  async absorbAnomalies(anomalies: readonly Anomaly[], ctx: AbsorbContext): Promise<AbsorbOutcome[]> {
    if (anomalies.length === 0) return [];
    return this.db.transaction((tx) => this.absorbBatch(tx, anomalies, ctx));
  }

  /**
   * One batch, one transaction: lock the batch's sites (sorted, so concurrent batches cannot
   * deadlock), read what is known in a few set queries, decide every anomaly in memory, then
   * write each touched lead once. A lead's event (its state after the batch) rides on the last
   * outcome that touched it, so publishing outcome events yields one event per changed lead.
   */
  private async absorbBatch(tx: Sql, anomalies: readonly Anomaly[], ctx: AbsorbContext): Promise<AbsorbOutcome[]> {
    const params = ctx.correlation ?? defaultCorrelationParams;
    const byEnterprise = params.scope === 'enterprise';
    const siteOf = (mn: string) => {
      const site = ctx.site(mn);
      // Unregistered sites go to region 000000: only national-scope users see them.
      return { site, region: site?.region ?? '000000', enterprise: site?.enterprise ?? null };
    };
    const mns = [...new Set(anomalies.map((a) => a.mn))];
    const enterprises = [...new Set(mns.map((mn) => siteOf(mn).enterprise).filter((e): e is string => e !== null))];
    const lockKeys = [...new Set(mns.map((mn) => (byEnterprise && siteOf(mn).enterprise ? `ent|${siteOf(mn).enterprise}` : `mn|${mn}`)))].sort();
    await tx.query(`SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS s`, [lockKeys]);

    const known = new Map<string, { hash: string; detectedAt: number; leadId: string | null }>();
    for (const r of await tx.query(`SELECT id, content_sha256, detected_at, lead_id FROM lead_anomalies WHERE id = ANY($1::text[])`, [anomalies.map((a) => a.id)])) {
      known.set(String(r.id), { hash: String(r.content_sha256), detectedAt: num(r.detected_at), leadId: (r.lead_id as string | null) ?? null });
    }
    const candidates = new Map<string, LeadCandidate>();
    const candidateRows = await tx.query(
      `SELECT id, mn, enterprise, category, categories, status, first_at, last_at FROM lead_leads WHERE status <> 'closed' AND (mn = ANY($1::text[])${byEnterprise ? ' OR enterprise = ANY($2::text[])' : ''})`,
      byEnterprise ? [mns, enterprises] : [mns],
    );
    for (const r of candidateRows) {
      candidates.set(String(r.id), {
        id: String(r.id),
        mn: String(r.mn),
        enterprise: (r.enterprise as string | null) ?? null,
        category: r.category as LeadCandidate['category'],
        categories: r.categories as LeadCandidate['categories'],
        status: r.status as LeadCandidate['status'],
        firstAt: num(r.first_at),
        lastAt: num(r.last_at),
      });
    }
    const minStart = Math.min(...anomalies.map((a) => a.start));
    const suppressions = (await tx.query(`SELECT * FROM lead_suppressions WHERE mn = ANY($1::text[]) AND until_at > $2`, [mns, minStart])).map(toSuppression);
    const history = new Map<string, number>();
    for (const r of await tx.query(`SELECT mn, count(*) AS n FROM lead_leads WHERE mn = ANY($1::text[]) AND resolution = 'confirmed' GROUP BY mn`, [mns])) history.set(String(r.mn), num(r.n));

    const outcomes: AbsorbOutcome[] = [];
    const lastOutcome = new Map<string, number>();
    const newRows: Array<{ a: Anomaly; hash: string; region: string; enterprise: string | null; leadId: string | null; suppressedBy: string | null }> = [];
    const updatedRows: Array<{ a: Anomaly; hash: string }> = [];
    const created = new Map<string, { first: Anomaly; members: Anomaly[]; reason: string }>();
    const touched = new Map<string, { action: 'merged' | 'anomaly-updated'; anomalies: string[]; reasons: string[] }>();
    const touch = (leadId: string, action: 'merged' | 'anomaly-updated', anomaly: string, reason: string) => {
      const t = touched.get(leadId) ?? { action, anomalies: [], reasons: [] };
      if (action === 'merged') t.action = 'merged';
      t.anomalies.push(anomaly);
      t.reasons.push(reason);
      touched.set(leadId, t);
    };
    const push = (o: AbsorbOutcome) => {
      outcomes.push(o);
      if (o.leadId && o.result !== 'duplicate') lastOutcome.set(o.leadId, outcomes.length - 1);
    };

    for (const a of anomalies) {
      const { site, region, enterprise } = siteOf(a.mn);
      const hash = anomalyHash(a);
      const seen = known.get(a.id);
      if (seen) {
        // Same id: a replay (no effect), or a detector's later version of the same window.
        if (seen.hash === hash || seen.detectedAt >= a.detectedAt) {
          push({ anomalyId: a.id, result: 'duplicate', leadId: seen.leadId, reason: 'anomaly already stored' });
          continue;
        }
        const pending = newRows.find((r) => r.a.id === a.id);
        if (pending) {
          pending.a = a;
          pending.hash = hash;
        } else updatedRows.push({ a, hash });
        const createdLead = seen.leadId ? created.get(seen.leadId) : undefined;
        if (createdLead) createdLead.members = createdLead.members.map((m) => (m.id === a.id ? a : m));
        else if (seen.leadId) touch(seen.leadId, 'anomaly-updated', a.id, `newer version (end ${a.end}, severity ${a.severity})`);
        seen.hash = hash;
        seen.detectedAt = a.detectedAt;
        push({ anomalyId: a.id, result: 'updated', leadId: seen.leadId, reason: seen.leadId ? 'newer version of an anomaly in the lead' : 'newer version of a muted anomaly' });
        continue;
      }
      const decision = correlate(a, enterprise, [...candidates.values()], suppressions, params);
      if (decision.kind === 'suppressed') {
        newRows.push({ a, hash, region, enterprise, leadId: null, suppressedBy: decision.suppressionId });
        known.set(a.id, { hash, detectedAt: a.detectedAt, leadId: null });
        push({ anomalyId: a.id, result: 'suppressed', leadId: null, reason: decision.reason });
        continue;
      }
      const leadId = decision.kind === 'join' ? decision.leadId : leadIdFor(a.id);
      newRows.push({ a, hash, region, enterprise, leadId, suppressedBy: null });
      known.set(a.id, { hash, detectedAt: a.detectedAt, leadId });
      if (decision.kind === 'join') {
        const c = candidates.get(leadId)!;
        c.firstAt = Math.min(c.firstAt, a.start);
        c.lastAt = Math.max(c.lastAt, a.end);
        if (!c.categories.includes(a.category)) c.categories = [...c.categories, a.category];
        const createdLead = created.get(leadId);
        if (createdLead) createdLead.members.push(a);
        else touch(leadId, 'merged', a.id, decision.reason);
        push({ anomalyId: a.id, result: 'merged', leadId, reason: decision.reason });
      } else {
        candidates.set(leadId, { id: leadId, mn: a.mn, enterprise, category: a.category, categories: [a.category], status: 'new', firstAt: a.start, lastAt: a.end });
        created.set(leadId, { first: a, members: [a], reason: decision.reason });
        push({ anomalyId: a.id, result: site ? 'created' : 'unassigned', leadId, reason: site ? decision.reason : `${decision.reason}; site ${a.mn} not in the registry (region 000000)` });
      }
    }

    await this.insertAnomalyRows(tx, newRows, ctx.now);
    for (const { a, hash } of updatedRows) {
      await tx.query(
        `UPDATE lead_anomalies SET pollutant=$2, rule=$3, category=$4, start_at=$5, end_at=$6, severity=$7, detected_at=$8, evidence=$9::jsonb, content_sha256=$10 WHERE id=$1`,
        [a.id, a.pollutant, a.rule, a.category, a.start, a.end, a.severity, a.detectedAt, JSON.stringify(a.evidence), hash],
      );
    }

    const hooks = num((await tx.query(`SELECT count(*) AS n FROM lead_webhooks WHERE active`))[0]?.n) > 0;
    const events = new Map<string, LeadEvent>();
    for (const [leadId, c] of created) {
      const { site, region, enterprise } = siteOf(c.first.mn);
      events.set(leadId, await this.createLead(tx, leadId, c.members, { site, region, enterprise, priorConfirmed: history.get(c.first.mn) ?? 0, reason: c.reason, now: ctx.now }));
    }
    for (const [leadId, event] of await this.refreshLeads(tx, touched, ctx, history)) events.set(leadId, event);
    await this.insertOutbox(tx, [...events.values()], ctx.now);
    for (const [leadId, event] of events) {
      if (hooks) await this.enqueueDeliveries(tx, event, ctx.now);
      const at = lastOutcome.get(leadId);
      if (at !== undefined) outcomes[at]!.event = event;
    }
    return outcomes;
  }

  private async insertAnomalyRows(tx: Sql, rows: Array<{ a: Anomaly; hash: string; region: string; enterprise: string | null; leadId: string | null; suppressedBy: string | null }>, now: number): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000) {
      const p = new Params();
      const values = rows.slice(i, i + 1000).map(({ a, hash, region, enterprise, leadId, suppressedBy }) => {
        const v = [a.id, a.mn, region, enterprise, a.pollutant, a.rule, a.category, a.start, a.end, a.severity, a.detectedAt, JSON.stringify(a.evidence), hash, leadId, suppressedBy, now].map((x) => p.add(x));
        v[11] = `${v[11]}::jsonb`;
        return `(${v.join(',')})`;
      });
      await tx.query(
        `INSERT INTO lead_anomalies (id, mn, region, enterprise, pollutant, rule, category, start_at, end_at, severity, detected_at, evidence, content_sha256, lead_id, suppressed_by, received_at) VALUES ${values.join(',')}`,
        p.values,
      );
    }
  }

  /** A new lead, its evidence v1 and its first audit entry: one statement. */
  private async createLead(
    tx: Sql,
    leadId: string,
    members: Anomaly[],
    o: { site: Site | undefined; region: string; enterprise: string | null; priorConfirmed: number; reason: string; now: number },
  ): Promise<LeadEvent> {
    const first = members[0]!;
    const s = scoreLead(members, { priorConfirmed: o.priorConfirmed }, o.site?.positiveList ?? false);
    const categories = [...new Set(members.map((m) => m.category))];
    const pkg = buildEvidencePackage({ leadId, version: 1, frozenAt: o.now, mn: first.mn, region: o.region, site: o.site, anomalies: members });
    const lead: LeadRecord = {
      id: leadId,
      mn: first.mn,
      region: o.region,
      enterprise: o.enterprise,
      category: leadCategory(categories),
      status: 'new',
      resolution: null,
      duplicateOf: null,
      closeReason: null,
      team: null,
      score: s.score,
      priority: s.priority,
      breakdown: s.breakdown,
      anomalies: members.map((m) => m.id),
      firstAt: Math.min(...members.map((m) => m.start)),
      lastAt: Math.max(...members.map((m) => m.end)),
      createdAt: o.now,
      updatedAt: o.now,
      closedAt: null,
      evidenceVersion: 1,
      evidenceSha256: exportEvidenceJson(pkg).sha256,
    };
    const audit = this.auditEntry(undefined, leadId, o.now, SYSTEM_ACTOR, 'created', null, { ...leadSnapshot(lead), anomalyIds: lead.anomalies, reason: o.reason });
    const p = new Params();
    const evidence = p.add(JSON.stringify(pkg));
    await tx.query(
      `WITH l AS (
         INSERT INTO lead_leads (id, mn, region, enterprise, category, categories, status, score, priority, breakdown, anomaly_ids, first_at, last_at, created_at, updated_at, evidence_version, evidence_sha256, evidence, audit_seq, audit_head)
         VALUES (${p.add(leadId)}, ${p.add(lead.mn)}, ${p.add(lead.region)}, ${p.add(lead.enterprise)}, ${p.add(lead.category)}, ${p.add(categories)}, 'new', ${p.add(lead.score)}, ${p.add(lead.priority)},
                 ${p.add(JSON.stringify(lead.breakdown))}::jsonb, ${p.add(lead.anomalies)}, ${p.add(lead.firstAt)}, ${p.add(lead.lastAt)}, ${p.add(o.now)}, ${p.add(o.now)}, 1, ${p.add(lead.evidenceSha256)},
                 ${evidence}::jsonb, ${p.add(audit.seq)}, ${p.add(audit.hash)})
         RETURNING id
       ), e AS (
         INSERT INTO lead_evidence (lead_id, version, frozen_at, package, sha256) SELECT id, 1, ${p.add(o.now)}::bigint, ${evidence}::jsonb, ${p.add(lead.evidenceSha256)}::text FROM l
       )
       ${this.auditInsertSql(p, audit, 'l')}`,
      p.values,
    );
    return toEvent(lead, 'created');
  }

  /**
   * Rescore leads from all their anomalies and freeze a new evidence version; per lead one
   * statement updates the row and appends its evidence and audit entry.
   */
  private async refreshLeads(
    tx: Sql,
    touched: Map<string, { action: 'merged' | 'anomaly-updated'; anomalies: string[]; reasons: string[] }>,
    ctx: AbsorbContext,
    history: Map<string, number>,
  ): Promise<Map<string, LeadEvent>> {
    const events = new Map<string, LeadEvent>();
    if (touched.size === 0) return events;
    const ids = [...touched.keys()];
    const rows = await tx.query(`SELECT ${LEAD_COLUMNS} FROM lead_leads WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`, [ids]);
    const members = new Map<string, Anomaly[]>();
    for (const r of await tx.query(`SELECT ${ANOMALY_COLUMNS} FROM lead_anomalies WHERE lead_id = ANY($1::text[]) ORDER BY start_at, id`, [ids])) {
      const a = toAnomaly(r);
      const list = members.get(a.leadId!) ?? [];
      list.push(plainAnomaly(a));
      members.set(a.leadId!, list);
    }
    for (const row of rows) {
      const before = toLead(row);
      const t = touched.get(before.id)!;
      const list = members.get(before.id) ?? [];
      const site = ctx.site(before.mn);
      const s = scoreLead(list, { priorConfirmed: history.get(before.mn) ?? 0 }, site?.positiveList ?? false);
      const categories = [...new Set(list.map((m) => m.category))];
      const version = before.evidenceVersion + 1;
      const pkg = buildEvidencePackage({ leadId: before.id, version, frozenAt: ctx.now, mn: before.mn, region: before.region, site, anomalies: list });
      const lead: LeadRecord = {
        ...before,
        category: leadCategory(categories),
        score: s.score,
        priority: s.priority,
        breakdown: s.breakdown,
        anomalies: list.map((m) => m.id),
        firstAt: Math.min(...list.map((m) => m.start)),
        lastAt: Math.max(...list.map((m) => m.end)),
        updatedAt: Math.max(ctx.now, before.updatedAt),
        evidenceVersion: version,
        evidenceSha256: exportEvidenceJson(pkg).sha256,
      };
      const audit = this.auditEntry(auditHeadOf(row), before.id, ctx.now, SYSTEM_ACTOR, t.action, leadSnapshot(before), { ...leadSnapshot(lead), anomalyIds: t.anomalies, reasons: t.reasons });
      const p = new Params();
      const evidence = p.add(JSON.stringify(pkg));
      const id = p.add(before.id);
      await tx.query(
        `WITH l AS (
           UPDATE lead_leads SET category=${p.add(lead.category)}, categories=${p.add(categories)}, score=${p.add(lead.score)}, priority=${p.add(lead.priority)}, breakdown=${p.add(JSON.stringify(lead.breakdown))}::jsonb,
             anomaly_ids=${p.add(lead.anomalies)}, first_at=${p.add(lead.firstAt)}, last_at=${p.add(lead.lastAt)}, updated_at=${p.add(lead.updatedAt)}, evidence_version=${p.add(version)},
             evidence_sha256=${p.add(lead.evidenceSha256)}, evidence=${evidence}::jsonb, audit_seq=${p.add(audit.seq)}, audit_head=${p.add(audit.hash)}
           WHERE id=${id} RETURNING id
         ), e AS (
           INSERT INTO lead_evidence (lead_id, version, frozen_at, package, sha256) SELECT id, ${p.add(version)}::int, ${p.add(ctx.now)}::bigint, ${evidence}::jsonb, ${p.add(lead.evidenceSha256)}::text FROM l
         )
         ${this.auditInsertSql(p, audit, 'l')}`,
        p.values,
      );
      events.set(before.id, toEvent(lead, 'merged'));
    }
    return events;
  }

  /** The next audit entry after `head`; JSON round trip so the hash covers what JSONB gives back. */
  private auditEntry(head: { seq: number; hash: string } | undefined, leadId: string, at: number, actor: string, action: AuditEntry['action'], before: unknown, after: unknown): AuditEntry {
    return chainAuditEntry(head, { leadId, at, actor, action, before: JSON.parse(JSON.stringify(before ?? null)), after: JSON.parse(JSON.stringify(after ?? null)) });
  }

  /** `INSERT INTO lead_audit ... SELECT ... FROM <cte>`: the entry is written only if the lead row was. */
  private auditInsertSql(p: Params, e: AuditEntry, cte: string): string {
    return `INSERT INTO lead_audit (lead_id, seq, at, actor, action, before, after, prev_hash, hash)
       SELECT id, ${p.add(e.seq)}::int, ${p.add(e.at)}::bigint, ${p.add(e.actor)}::text, ${p.add(e.action)}::text, ${p.add(JSON.stringify(e.before))}::jsonb, ${p.add(JSON.stringify(e.after))}::jsonb, ${p.add(e.prevHash)}::text, ${p.add(e.hash)}::text FROM ${cte}`;
  }

  /** Append to the chain of a lead locked by the caller (FOR UPDATE), moving the head on its row. */
  private async appendAudit(tx: Sql, leadId: string, at: number, actor: string, action: AuditEntry['action'], before: unknown, after: unknown): Promise<AuditEntry> {
    const [row] = await tx.query(`SELECT audit_seq, audit_head FROM lead_leads WHERE id = $1`, [leadId]);
    const entry = this.auditEntry(row ? auditHeadOf(row) : undefined, leadId, at, actor, action, before, after);
    const p = new Params();
    await tx.query(
      `WITH l AS (UPDATE lead_leads SET audit_seq = ${p.add(entry.seq)}, audit_head = ${p.add(entry.hash)} WHERE id = ${p.add(leadId)} RETURNING id)
       ${this.auditInsertSql(p, entry, 'l')}`,
      p.values,
    );
    return entry;
  }

  private async insertOutbox(tx: Sql, events: LeadEvent[], now: number): Promise<void> {
    if (events.length === 0) return;
    const p = new Params();
    const values = events.map((e) => `(${p.add(e.id)}, ${p.add(JSON.stringify(e))}::jsonb, ${p.add(now)})`);
    await tx.query(`INSERT INTO lead_outbox (lead_id, event, created_at) VALUES ${values.join(',')}`, p.values);
  }

  async pendingLeadEvents(limit: number): Promise<Array<{ id: string; event: LeadEvent }>> {
    return (await this.db.query(`SELECT id, event FROM lead_outbox ORDER BY id LIMIT $1`, [checkLimit(limit)])).map((r) => ({ id: String(r.id), event: json<LeadEvent>(r.event) }));
  }

  async markLeadEventsPublished(ids: readonly string[]): Promise<void> {
    if (ids.length) await this.db.query(`DELETE FROM lead_outbox WHERE id = ANY($1::bigint[])`, [ids.map(Number)]);
  }

  /** Outbox: a delivery row per matching webhook, in the same transaction as the change. */
  private async enqueueDeliveries(tx: Sql, event: LeadEvent, now: number): Promise<void> {
    await tx.query(
      `INSERT INTO lead_webhook_deliveries (webhook_id, lead_id, event, next_attempt_at, created_at)
       SELECT id, $1, $2::jsonb, $3, $3 FROM lead_webhooks WHERE active AND $4 LIKE region_prefix || '%'`,
      [event.id, JSON.stringify(event), now, event.region],
    );
  }

  // ---- reads -----------------------------------------------------------------------------

  async getLead(id: string): Promise<LeadWithEvidence | null> {
    const [r] = await this.db.query(`SELECT ${LEAD_COLUMNS}, evidence FROM lead_leads WHERE id = $1`, [id]);
    return r ? { ...toLead(r), evidence: json<EvidencePackage>(r.evidence) } : null;
  }

  async evidenceVersion(leadId: string, version: number): Promise<EvidencePackage | null> {
    const [r] = await this.db.query(`SELECT package FROM lead_evidence WHERE lead_id = $1 AND version = $2`, [leadId, version]);
    return r ? json<EvidencePackage>(r.package) : null;
  }

  async leadAnomalies(leadId: string): Promise<StoredAnomaly[]> {
    return (await this.db.query(`SELECT ${ANOMALY_COLUMNS} FROM lead_anomalies WHERE lead_id = $1 ORDER BY start_at, id`, [leadId])).map(toAnomaly);
  }

  async listLeads(scope: string, filter: LeadFilter, cursor: string | null, limit: number): Promise<Page<LeadRecord>> {
    checkLimit(limit);
    const sort = filter.sort ?? 'updated';
    const sortColumn = { updated: 'updated_at', created: 'created_at', score: 'score' }[sort];
    const p = new Params();
    const where = [`region LIKE ${p.add(scopePattern(scope))}`];
    if (filter.status?.length) where.push(`status = ANY(${p.add(filter.status)})`);
    if (filter.priority?.length) where.push(`priority = ANY(${p.add(filter.priority)})`);
    if (filter.category) where.push(`category = ${p.add(filter.category)}`);
    if (filter.mn) where.push(`mn = ${p.add(filter.mn)}`);
    if (filter.team) where.push(`team = ${p.add(filter.team)}`);
    if (filter.minScore !== undefined) where.push(`score >= ${p.add(filter.minScore)}`);
    if (filter.from !== undefined) where.push(`last_at >= ${p.add(filter.from)}`);
    if (filter.to !== undefined) where.push(`first_at < ${p.add(filter.to)}`);
    if (filter.q) {
      const like = p.add(`%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      where.push(`(mn ILIKE ${like} OR enterprise ILIKE ${like} OR id = ${p.add(filter.q)})`);
    }
    const c = decodeCursor(cursor, sort);
    if (c) where.push(`(${sortColumn}, id) < (${p.add(c.v)}, ${p.add(c.id)})`);
    const rows = await this.db.query(
      `SELECT ${LEAD_COLUMNS} FROM lead_leads WHERE ${where.join(' AND ')} ORDER BY ${sortColumn} DESC, id DESC LIMIT ${p.add(limit + 1)}`,
      p.values,
    );
    const items = rows.slice(0, limit).map(toLead);
    const last = items.at(-1);
    const next = rows.length > limit && last ? encodeCursor({ s: sort, v: sort === 'score' ? last.score : sort === 'created' ? last.createdAt : last.updatedAt, id: last.id }) : null;
    return { items, next };
  }

  async listAnomalies(scope: string, filter: AnomalyFilter, cursor: string | null, limit: number): Promise<Page<StoredAnomaly>> {
    checkLimit(limit);
    const p = new Params();
    const where = [`region LIKE ${p.add(scopePattern(scope))}`];
    if (filter.mn) where.push(`mn = ${p.add(filter.mn)}`);
    if (filter.rule) where.push(`rule = ${p.add(filter.rule)}`);
    if (filter.leadId) where.push(`lead_id = ${p.add(filter.leadId)}`);
    if (filter.from !== undefined) where.push(`end_at >= ${p.add(filter.from)}`);
    if (filter.to !== undefined) where.push(`start_at < ${p.add(filter.to)}`);
    const c = decodeCursor(cursor, 'start');
    if (c) where.push(`(start_at, id) < (${p.add(c.v)}, ${p.add(c.id)})`);
    const rows = await this.db.query(`SELECT ${ANOMALY_COLUMNS} FROM lead_anomalies WHERE ${where.join(' AND ')} ORDER BY start_at DESC, id DESC LIMIT ${p.add(limit + 1)}`, p.values);
    const items = rows.slice(0, limit).map(toAnomaly);
    const last = items.at(-1);
    return { items, next: rows.length > limit && last ? encodeCursor({ s: 'start', v: last.start, id: last.id }) : null };
  }

  // ---- commands --------------------------------------------------------------------------

  private async lockLead(tx: Sql, leadId: string, scope: string): Promise<LeadRecord> {
    const [row] = await tx.query(`SELECT ${LEAD_COLUMNS} FROM lead_leads WHERE id = $1 AND region LIKE $2 FOR UPDATE`, [leadId, scopePattern(scope)]);
    if (!row) throw new NotFoundError('lead', leadId);
    return toLead(row);
  }

  async applyCommand(leadId: string, scope: string, command: LeadCommand, actor: string, now: number): Promise<CommandResult> {
    return this.db.transaction(async (tx) => {
      const before = await this.lockLead(tx, leadId, scope);
      if (command.action === 'close' && command.resolution === 'duplicate' && command.duplicateOf) {
        const [orig] = await tx.query(`SELECT id FROM lead_leads WHERE id = $1 AND region LIKE $2`, [command.duplicateOf, scopePattern(scope)]);
        if (!orig) throw new NotFoundError('lead (duplicateOf)', command.duplicateOf);
      }
      const next = applyCommand(before, command);
      const [row] = await tx.query(
        `UPDATE lead_leads SET status=$2, resolution=$3, duplicate_of=$4, close_reason=$5, team=$6, updated_at=$7, closed_at=$8 WHERE id=$1 RETURNING ${LEAD_COLUMNS}`,
        [leadId, next.status, next.resolution, next.duplicateOf, next.closeReason, next.team, Math.max(now, before.updatedAt), next.status === 'closed' ? now : null],
      );
      const lead = toLead(row!);
      const note = 'note' in command ? command.note : undefined;
      if (command.action === 'assign') {
        await tx.query(`INSERT INTO lead_assignments (lead_id, team, assigned_by, note, at) VALUES ($1,$2,$3,$4,$5)`, [leadId, command.team, actor, note ?? null, now]);
      }
      const suppressions: SuppressionRecord[] = [];
      if (command.action === 'close' && command.resolution === 'dismissed' && command.suppressDays) {
        const rules = (await tx.query(`SELECT DISTINCT rule FROM lead_anomalies WHERE lead_id = $1 ORDER BY rule`, [leadId])).map((r) => String(r.rule));
        for (const rule of rules) {
          const s = { id: `sp_${sha256Hex(`${leadId}|${rule}|${now}`).slice(0, 16)}`, mn: lead.mn, rule: rule as SuppressionRecord['rule'], until: now + command.suppressDays * 86_400_000, reason: command.reason ?? '', createdBy: actor, leadId };
          suppressions.push(await this.insertSuppression(tx, s, now));
        }
      }
      await this.appendAudit(tx, leadId, now, actor, command.action, leadSnapshot(before), {
        ...leadSnapshot(lead),
        ...(note ? { note } : {}),
        ...(command.action === 'reopen' ? { reason: command.reason } : {}),
        ...(suppressions.length ? { suppressions: suppressions.map((s) => s.id) } : {}),
      });
      const event = toEvent(lead, command.action === 'assign' ? 'assigned' : 'transition');
      await this.enqueueDeliveries(tx, event, now);
      await this.insertOutbox(tx, [event], now);
      return { lead, event, suppressions };
    });
  }

  async addComment(leadId: string, scope: string, author: string, text: string, now: number): Promise<{ comment: CommentRecord; event: LeadEvent }> {
    return this.db.transaction(async (tx) => {
      const lead = await this.lockLead(tx, leadId, scope);
      const [row] = await tx.query(`INSERT INTO lead_comments (lead_id, author, text, at) VALUES ($1,$2,$3,$4) RETURNING *`, [leadId, author, text, now]);
      const [updated] = await tx.query(`UPDATE lead_leads SET updated_at = $2 WHERE id = $1 RETURNING ${LEAD_COLUMNS}`, [leadId, Math.max(now, lead.updatedAt)]);
      const comment = toComment(row!);
      await this.appendAudit(tx, leadId, now, author, 'comment', null, { commentId: comment.id, text });
      const event = toEvent(toLead(updated!), 'commented');
      await this.enqueueDeliveries(tx, event, now);
      await this.insertOutbox(tx, [event], now);
      return { comment, event };
    });
  }

  async listComments(leadId: string): Promise<CommentRecord[]> {
    return (await this.db.query(`SELECT * FROM lead_comments WHERE lead_id = $1 ORDER BY id`, [leadId])).map(toComment);
  }

  async listAssignments(leadId: string) {
    return (await this.db.query(`SELECT * FROM lead_assignments WHERE lead_id = $1 ORDER BY id`, [leadId])).map(toAssignment);
  }

  async auditTrail(leadId: string): Promise<AuditEntry[]> {
    return (await this.db.query(`SELECT * FROM lead_audit WHERE lead_id = $1 ORDER BY seq`, [leadId])).map(toAudit);
  }

  // ---- suppressions ----------------------------------------------------------------------

  private async insertSuppression(tx: Sql, s: Omit<SuppressionRecord, 'createdAt'>, now: number): Promise<SuppressionRecord> {
    const [row] = await tx.query(
      `INSERT INTO lead_suppressions (id, mn, rule, until_at, reason, created_by, created_at, lead_id) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)
       ON CONFLICT (id) DO UPDATE SET until_at = EXCLUDED.until_at RETURNING *`,
      [s.id, s.mn, s.rule, s.until, s.reason, s.createdBy, now, s.leadId],
    );
    return toSuppression(row!);
  }

  async addSuppression(s: Omit<SuppressionRecord, 'createdAt'>, now: number): Promise<SuppressionRecord> {
    return this.insertSuppression(this.db, s, now);
  }

  async listSuppressions(filter: { mn?: string; activeAt?: number }): Promise<SuppressionRecord[]> {
    const p = new Params();
    const where = ['true'];
    if (filter.mn) where.push(`mn = ${p.add(filter.mn)}`);
    if (filter.activeAt !== undefined) where.push(`until_at > ${p.add(filter.activeAt)}`);
    return (await this.db.query(`SELECT * FROM lead_suppressions WHERE ${where.join(' AND ')} ORDER BY created_at, id`, p.values)).map(toSuppression);
  }

  // ---- users -----------------------------------------------------------------------------

  async addUser(user: Omit<UserRecord, 'revokedAt'>, tokenSha256: string): Promise<UserRecord> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query(`INSERT INTO auth_users (id, name, role, region, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING *`, [user.id, user.name, user.role, user.region, user.createdAt]);
      await tx.query(`INSERT INTO auth_tokens (token_sha256, user_id, created_at) VALUES ($1,$2,$3)`, [tokenSha256, user.id, user.createdAt]);
      return toUser(row!);
    });
  }

  async getUser(id: string): Promise<UserRecord | null> {
    const [r] = await this.db.query(`SELECT * FROM auth_users WHERE id = $1`, [id]);
    return r ? toUser(r) : null;
  }

  async listUsers(scope: string): Promise<UserRecord[]> {
    return (await this.db.query(`SELECT * FROM auth_users WHERE region LIKE $1 ORDER BY created_at, id`, [scopePattern(scope)])).map(toUser);
  }

  async revokeUser(id: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(`UPDATE auth_users SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`, [id, now]);
      await tx.query(`UPDATE auth_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, [id, now]);
      return rows.length > 0;
    });
  }

  async setUserToken(userId: string, tokenSha256: string, now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE auth_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND token_sha256 <> $3`, [userId, now, tokenSha256]);
      await tx.query(`INSERT INTO auth_tokens (token_sha256, user_id, created_at) VALUES ($1,$2,$3) ON CONFLICT (token_sha256) DO UPDATE SET revoked_at = NULL WHERE auth_tokens.user_id = $2`, [tokenSha256, userId, now]);
    });
  }

  async userByTokenHash(tokenSha256: string): Promise<UserRecord | null> {
    const [r] = await this.db.query(
      `SELECT u.* FROM auth_tokens t JOIN auth_users u ON u.id = t.user_id WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND u.revoked_at IS NULL`,
      [tokenSha256],
    );
    return r ? toUser(r) : null;
  }

  // ---- webhooks --------------------------------------------------------------------------

  async addWebhook(w: Omit<WebhookRecord, 'active'>, secret: string): Promise<WebhookRecord> {
    const [row] = await this.db.query(
      `INSERT INTO lead_webhooks (id, url, secret, region, region_prefix, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING *`,
      [w.id, w.url, secret, w.region, scopePattern(w.region).slice(0, -1), w.createdBy, w.createdAt],
    );
    return toWebhook(row!);
  }

  async listWebhooks(scope: string): Promise<WebhookRecord[]> {
    return (await this.db.query(`SELECT * FROM lead_webhooks WHERE region LIKE $1 ORDER BY created_at, id`, [scopePattern(scope)])).map(toWebhook);
  }

  async claimDeliveries(now: number, limit: number, leaseMs: number): Promise<DueDelivery[]> {
    const rows = await this.db.query(
      `WITH due AS (
         SELECT id FROM lead_webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE lead_webhook_deliveries d SET next_attempt_at = $1 + $3, attempts = d.attempts + 1
       FROM due, lead_webhooks w WHERE d.id = due.id AND w.id = d.webhook_id
       RETURNING d.id, d.webhook_id, d.event, d.attempts, w.url, w.secret`,
      [now, limit, leaseMs],
    );
    return rows
      .map((r) => ({ id: String(r.id), webhookId: String(r.webhook_id), url: String(r.url), secret: String(r.secret), event: json<LeadEvent>(r.event), attempts: num(r.attempts) }))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markDelivered(id: string, now: number): Promise<void> {
    await this.db.query(`UPDATE lead_webhook_deliveries SET status = 'delivered', delivered_at = $2, last_error = NULL WHERE id = $1`, [id, now]);
  }

  async markDeliveryFailed(id: string, error: string, nextAttemptAt: number | null): Promise<void> {
    await this.db.query(
      nextAttemptAt === null
        ? `UPDATE lead_webhook_deliveries SET status = 'failed', last_error = $2 WHERE id = $1`
        : `UPDATE lead_webhook_deliveries SET last_error = $2, next_attempt_at = $3 WHERE id = $1`,
      nextAttemptAt === null ? [id, error] : [id, error, nextAttemptAt],
    );
  }

  async listDeliveries(webhookId: string) {
    return (await this.db.query(`SELECT * FROM lead_webhook_deliveries WHERE webhook_id = $1 ORDER BY id`, [webhookId])).map(toDelivery);
  }

  // ---- access log ------------------------------------------------------------------------

  async logAccessDenied(d: AccessDenial): Promise<void> {
    await this.db.query(`INSERT INTO auth_denials (at, user_id, role, region_scope, action, resource, resource_region, reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, [
      d.at,
      d.userId,
      d.role,
      d.regionScope,
      d.action,
      d.resource,
      d.resourceRegion,
      d.reason,
    ]);
  }

  async listAccessDenied(limit: number): Promise<AccessDenial[]> {
    return (await this.db.query(`SELECT * FROM auth_denials ORDER BY id DESC LIMIT $1`, [checkLimit(limit)])).map(toDenial);
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.db.query('SELECT 1');
      return { ok: true, detail: this.db.kind };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
