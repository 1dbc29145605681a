import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RegionCode, Role, Topics, regionCovers, type Anomaly, type LeadEvent, type Site } from '@offsite/domain';
import type { Bus } from '@offsite/bus';
import type { Logger } from '@offsite/runtime';
import type {
  AbsorbOutcome,
  AccessDenial,
  AnomalyFilter,
  AssignmentRecord,
  CommentRecord,
  LeadFilter,
  LeadRecord,
  LeadStore,
  LeadWithEvidence,
  Page,
  StoredAnomaly,
  UserRecord,
  WebhookRecord,
} from '@offsite/lead-store';
import {
  AccessDeniedError,
  LeadCommand,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
  exportEvidenceCsv,
  exportEvidenceJson,
  roleMay,
  verifyChain,
  type AuditEntry,
  type ChainVerdict,
  type CorrelationParams,
  type EvidenceExport,
  type LeadAction,
} from '@offsite/leads-core';
import { Caller, generateToken, hashToken } from './caller.js';
import { parseOrThrow } from './queries.js';

export interface SiteLookup {
  get(mn: string): Site | undefined;
}

export interface LeadServiceOptions {
  store: LeadStore;
  sites: SiteLookup;
  /** When given, every lead change is published to supervision.leads.v1 (key = lead id). */
  bus?: Bus;
  clock?: () => number;
  logger: Logger;
  correlation?: CorrelationParams;
}

export interface LeadDetail {
  lead: LeadWithEvidence;
  anomalies: StoredAnomaly[];
  comments: CommentRecord[];
  assignments: AssignmentRecord[];
}

export interface AuditReport {
  leadId: string;
  verdict: ChainVerdict;
  entries: AuditEntry[];
}

export const NewUser = z.object({ name: z.string().min(1).max(200), role: Role, region: RegionCode });
export type NewUser = z.infer<typeof NewUser>;
export const NewWebhook = z.object({
  url: z.url().refine((u) => /^https?:\/\//.test(u), 'url must be http(s)'),
  region: RegionCode.optional(),
  secret: z.string().min(16).max(200).optional(),
});
export type NewWebhook = z.infer<typeof NewWebhook>;

export interface LeadService {
  /** Bearer token → caller. Throws UnauthenticatedError (401). */
  authenticate(token: string | undefined | null): Promise<Caller>;
  /** The consumer's entry: correlate and store, then publish the resulting lead events. */
  absorb(anomalies: readonly Anomaly[]): Promise<AbsorbOutcome[]>;

  listLeads(caller: Caller, filter: LeadFilter, cursor: string | null, limit: number): Promise<Page<LeadRecord>>;
  getLead(caller: Caller, id: string): Promise<LeadDetail>;
  transition(caller: Caller, id: string, command: LeadCommand): Promise<LeadRecord>;
  assign(caller: Caller, id: string, team: string, note?: string): Promise<LeadRecord>;
  comment(caller: Caller, id: string, text: string): Promise<CommentRecord>;
  exportEvidence(caller: Caller, id: string, format: 'json' | 'csv', version?: number): Promise<EvidenceExport>;
  verifyAudit(caller: Caller, id: string): Promise<AuditReport>;
  listAnomalies(caller: Caller, filter: AnomalyFilter, cursor: string | null, limit: number): Promise<Page<StoredAnomaly>>;
  users: {
    /** Admin only; returns the token once (only its hash is stored). */
    add(caller: Caller, user: NewUser): Promise<{ user: UserRecord; token: string }>;
    list(caller: Caller): Promise<UserRecord[]>;
    revoke(caller: Caller, id: string): Promise<void>;
  };
  webhooks: {
    /** Admin only; returns the signing secret once. */
    add(caller: Caller, hook: NewWebhook): Promise<{ webhook: WebhookRecord; secret: string }>;
    list(caller: Caller): Promise<WebhookRecord[]>;
  };
  accessDenied(caller: Caller, limit: number): Promise<AccessDenial[]>;
  /**
   * For checks made outside this service (the console's alerts and sites): record the refused
   * attempt like every other denial (auth_denials + a pino warn 'access denied'), then throw
   * AccessDeniedError (403).
   */
  refuse(caller: Caller, action: string, reason: string, resource?: string | null, resourceRegion?: string | null): Promise<never>;
  /** Publish lead events left in the outbox (call at start and periodically); resolves with the count sent. */
  relayEvents(): Promise<number>;
}

/**
 * The application layer the HTTP API calls. Every method takes the caller, checks role and
 * region, logs refused attempts to the store (auth_denials; also list filters naming another
 * region's site or lead), and throws typed errors:
 * Unauthenticated (401), AccessDenied (403), NotFound (404), InvalidTransition/Conflict (409),
 * Validation (400).
 */
export function createLeadService(opts: LeadServiceOptions): LeadService {
  const { store, sites, bus, logger } = opts;
  const clock = opts.clock ?? Date.now;
  const log = logger.child({ component: 'lead-service' });

  /**
   * Relay the outbox to supervision.leads.v1 (key = lead id), oldest first. Runs after every
   * change and on relayEvents(); calls queue behind each other so order per lead holds. A failed
   * send leaves the events in the outbox for the next run (at-least-once; a LeadEvent is the
   * lead's whole state, so a repeat is harmless). Without a bus the outbox is just cleared.
   */
  let relayChain: Promise<number> = Promise.resolve(0);
  function relay(): Promise<number> {
    relayChain = relayChain.then(async () => {
      let sent = 0;
      try {
        for (;;) {
          const pending = await store.pendingLeadEvents(500);
          if (pending.length === 0) break;
          if (bus) await bus.send(Topics.leads, pending.map(({ event: e }) => ({ key: e.id, value: Buffer.from(JSON.stringify(e)), timestamp: e.updatedAt })));
          await store.markLeadEventsPublished(pending.map((p) => p.id));
          sent += pending.length;
        }
      } catch (err) {
        log.error({ err }, 'relaying lead events failed; they stay in the outbox');
      }
      return sent;
    });
    return relayChain;
  }
  async function publish(_events: LeadEvent[]): Promise<void> {
    await relay();
  }

  function checkCaller(caller: Caller): Caller {
    return parseOrThrow(Caller, caller, 'caller');
  }

  async function recordDenial(caller: Caller, action: string, reason: string, resource: string | null, resourceRegion: string | null): Promise<void> {
    const denial: AccessDenial = { at: clock(), userId: caller.userId, role: caller.role, regionScope: caller.regionScope, action, resource, resourceRegion, reason };
    try {
      await store.logAccessDenied(denial);
    } catch (err) {
      log.error({ err, denial }, 'could not record access denial');
    }
    log.warn({ denial }, 'access denied');
  }

  async function deny(caller: Caller, action: string, reason: string, resource: string | null = null, resourceRegion: string | null = null): Promise<never> {
    await recordDenial(caller, action, reason, resource, resourceRegion);
    throw new AccessDeniedError(action, reason, resource ?? undefined);
  }

  /**
   * A list filter naming a site (mn) or lead (leadId) of a known region outside the caller's
   * scope is refused (403, recorded) like GET /sites/:mn or /leads/:id, instead of answering an
   * empty page; an MN the registry does not know stays a plain (empty) search.
   */
  async function refuseOutOfScopeSearch(caller: Caller, action: LeadAction, filter: { mn?: string | undefined; leadId?: string | undefined }): Promise<void> {
    const siteRegion = filter.mn === undefined ? undefined : sites.get(filter.mn)?.region;
    if (filter.mn !== undefined && siteRegion !== undefined && !regionCovers(caller.regionScope, siteRegion)) {
      await deny(caller, action, `search on site ${filter.mn} in region ${siteRegion}, outside scope ${caller.regionScope}`, filter.mn, siteRegion);
    }
    const lead = filter.leadId === undefined ? null : await store.getLead(filter.leadId);
    if (lead && !regionCovers(caller.regionScope, lead.region)) {
      await deny(caller, action, `search on lead ${lead.id} in region ${lead.region}, outside scope ${caller.regionScope}`, lead.id, lead.region);
    }
  }

  async function requireRole(caller: Caller, action: LeadAction, resource: string | null = null): Promise<void> {
    checkCaller(caller);
    if (!roleMay(caller.role, action)) await deny(caller, action, `role ${caller.role} may not ${action}`, resource);
  }

  /** Load a lead the caller may act on: 404 when missing, 403 (logged) outside their region. */
  async function leadInScope(caller: Caller, id: string, action: LeadAction): Promise<LeadWithEvidence> {
    await requireRole(caller, action, id);
    const lead = await store.getLead(id);
    if (!lead) throw new NotFoundError('lead', id);
    if (!regionCovers(caller.regionScope, lead.region)) await deny(caller, action, `lead region ${lead.region} is outside scope ${caller.regionScope}`, id, lead.region);
    return lead;
  }

  async function runCommand(caller: Caller, id: string, command: LeadCommand): Promise<LeadRecord> {
    const parsed = parseOrThrow(LeadCommand, command, 'command');
    await leadInScope(caller, id, parsed.action);
    const { lead, event } = await store.applyCommand(id, caller.regionScope, parsed, caller.userId, clock());
    await publish([event]);
    log.info({ lead: id, action: parsed.action, actor: caller.userId, status: lead.status }, 'lead command applied');
    return lead;
  }

  return {
    async authenticate(token) {
      if (!token) throw new UnauthenticatedError('missing bearer token');
      const user = await store.userByTokenHash(hashToken(token));
      if (!user) throw new UnauthenticatedError('invalid or revoked token');
      return { userId: user.id, role: user.role, regionScope: user.region };
    },

    async absorb(anomalies) {
      const outcomes = await store.absorbAnomalies(anomalies, { now: clock(), site: (mn) => sites.get(mn), ...(opts.correlation ? { correlation: opts.correlation } : {}) });
      await publish(outcomes.flatMap((o) => (o.event ? [o.event] : [])));
      return outcomes;
    },

    async listLeads(caller, filter, cursor, limit) {
      await requireRole(caller, 'view');
      await refuseOutOfScopeSearch(caller, 'view', filter);
      return store.listLeads(caller.regionScope, filter, cursor, limit);
    },

    async getLead(caller, id) {
      const lead = await leadInScope(caller, id, 'view');
      const [anomalies, comments, assignments] = await Promise.all([store.leadAnomalies(id), store.listComments(id), store.listAssignments(id)]);
      return { lead, anomalies, comments, assignments };
    },

    transition: runCommand,

    assign(caller, id, team, note) {
      return runCommand(caller, id, { action: 'assign', team, ...(note ? { note } : {}) });
    },

    async comment(caller, id, text) {
      const body = parseOrThrow(z.string().trim().min(1).max(5000), text, 'comment');
      await leadInScope(caller, id, 'comment');
      const { comment, event } = await store.addComment(id, caller.regionScope, caller.userId, body, clock());
      await publish([event]);
      return comment;
    },

    async exportEvidence(caller, id, format, version) {
      const lead = await leadInScope(caller, id, 'export');
      const pkg = version === undefined || version === lead.evidenceVersion ? lead.evidence : await store.evidenceVersion(id, version);
      if (!pkg) throw new NotFoundError(`evidence version ${version} of lead`, id);
      if (format === 'json') return exportEvidenceJson(pkg);
      if (format === 'csv') return exportEvidenceCsv(pkg);
      throw new ValidationError(`format: must be json or csv, got ${String(format)}`);
    },

    async verifyAudit(caller, id) {
      await leadInScope(caller, id, 'view');
      const entries = await store.auditTrail(id);
      const verdict = verifyChain(entries);
      if (!verdict.ok) log.error({ lead: id, verdict }, 'audit chain broken');
      return { leadId: id, verdict, entries };
    },

    async listAnomalies(caller, filter, cursor, limit) {
      await requireRole(caller, 'view');
      await refuseOutOfScopeSearch(caller, 'view', filter);
      return store.listAnomalies(caller.regionScope, filter, cursor, limit);
    },

    users: {
      async add(caller, input) {
        await requireRole(caller, 'manage-users');
        const user = parseOrThrow(NewUser, input, 'user');
        if (!regionCovers(caller.regionScope, user.region)) await deny(caller, 'manage-users', `region ${user.region} is outside scope ${caller.regionScope}`, null, user.region);
        const token = generateToken();
        const record = await store.addUser({ id: `u_${randomBytes(8).toString('hex')}`, name: user.name, role: user.role, region: user.region, createdAt: clock() }, hashToken(token));
        log.info({ user: record.id, role: record.role, region: record.region, by: caller.userId }, 'user added');
        return { user: record, token };
      },
      async list(caller) {
        await requireRole(caller, 'manage-users');
        return store.listUsers(caller.regionScope);
      },
      async revoke(caller, id) {
        await requireRole(caller, 'manage-users', id);
        const user = await store.getUser(id);
        if (!user) throw new NotFoundError('user', id);
        if (!regionCovers(caller.regionScope, user.region)) await deny(caller, 'manage-users', `user region ${user.region} is outside scope ${caller.regionScope}`, id, user.region);
        await store.revokeUser(id, clock());
        log.info({ user: id, by: caller.userId }, 'user revoked');
      },
    },

    webhooks: {
      async add(caller, input) {
        await requireRole(caller, 'manage-webhooks');
        const hook = parseOrThrow(NewWebhook, input, 'webhook');
        const region = hook.region ?? caller.regionScope;
        if (!regionCovers(caller.regionScope, region)) await deny(caller, 'manage-webhooks', `region ${region} is outside scope ${caller.regionScope}`, null, region);
        const secret = hook.secret ?? randomBytes(32).toString('base64url');
        const webhook = await store.addWebhook({ id: `wh_${randomBytes(8).toString('hex')}`, url: hook.url, region, createdBy: caller.userId, createdAt: clock() }, secret);
        return { webhook, secret };
      },
      async list(caller) {
        await requireRole(caller, 'manage-webhooks');
        return store.listWebhooks(caller.regionScope);
      },
    },

    relayEvents: relay,

    async refuse(caller, action, reason, resource = null, resourceRegion = null) {
      return deny(checkCaller(caller), action, reason, resource, resourceRegion);
    },

    async accessDenied(caller, limit) {
      await requireRole(caller, 'manage-users');
      return store.listAccessDenied(limit);
    },
  };
}
