import { z } from 'zod';
import { AnomalyCategory, LeadStatus, RuleId, Severity, Role } from '@offsite/domain';
import { page } from './schemas.js';

/**
 * Response shapes, for the OpenAPI document and the API tests (the server serialises with
 * JSON.stringify; these are the contract it is tested against). Objects are loose: extra fields
 * may be added, none of these removed.
 */
export const LeadItem = z
  .object({
    id: z.string(),
    mn: z.string(),
    region: z.string(),
    enterprise: z.string().nullable(),
    category: AnomalyCategory,
    status: LeadStatus,
    score: z.number(),
    priority: z.enum(['P1', 'P2', 'P3', 'P4']),
    anomalies: z.array(z.string()),
    team: z.string().nullable(),
    firstAt: z.number(),
    lastAt: z.number(),
    createdAt: z.number(),
    updatedAt: z.number(),
    evidenceVersion: z.number(),
    evidenceSha256: z.string(),
  })
  .loose();

export const AnomalyItem = z
  .object({
    id: z.string(),
    mn: z.string(),
    pollutant: z.string().nullable(),
    rule: RuleId,
    category: AnomalyCategory,
    start: z.number(),
    end: z.number(),
    severity: Severity,
    evidence: z.object({ summary: z.string() }).loose(),
    region: z.string(),
    leadId: z.string().nullable(),
  })
  .loose();

export const LeadDetailBody = z.object({
  lead: LeadItem.extend({ evidence: z.object({ format: z.string(), version: z.number() }).loose() }),
  anomalies: z.array(AnomalyItem),
  comments: z.array(z.object({ id: z.string(), author: z.string(), text: z.string(), at: z.number() }).loose()),
  assignments: z.array(z.object({ team: z.string(), assignedBy: z.string(), at: z.number() }).loose()),
});

export const AuditBody = z.object({
  leadId: z.string(),
  verdict: z.object({ ok: z.boolean(), entries: z.number() }).loose(),
  entries: z.array(z.object({ seq: z.number(), at: z.number(), actor: z.string(), action: z.string(), hash: z.string(), prevHash: z.string() }).loose()),
});

export const LatestValueItem = z.object({
  pollutant: z.string(),
  name: z.object({ zh: z.string(), en: z.string() }).nullable(),
  unit: z.string().nullable(),
  kind: z.string(),
  time: z.number(),
  value: z.number().nullable(),
  converted: z.number().nullable(),
  flag: z.string().nullable(),
  compared: z.number().nullable(),
  limit: z.number().nullable(),
  band: z.tuple([z.number(), z.number()]).nullable(),
  ratio: z.number().nullable(),
  exceeded: z.boolean(),
});

export const SiteItem = z.object({
  mn: z.string(),
  registered: z.boolean(),
  name: z.string().nullable(),
  enterprise: z.string().nullable(),
  region: z.string(),
  industry: z.string().nullable(),
  kind: z.enum(['air', 'water']).nullable(),
  standard: z.string().nullable(),
  status: z.enum(['online', 'offline', 'unknown']),
  statusAt: z.number().nullable(),
  lastDataAt: z.number().nullable(),
  lastReceivedAt: z.number().nullable(),
  clockSkewMs: z.number().nullable(),
  openLeads: z.number(),
  exceeding: z.number(),
  latest: z.array(LatestValueItem),
});

export const AlertItem = z.object({
  id: z.number(),
  type: z.enum(['anomaly', 'lead']),
  at: z.number(),
  region: z.string(),
  mn: z.string(),
  severity: Severity,
  summary: z.string(),
  rule: z.string().nullable(),
  pollutant: z.string().nullable(),
  category: z.string(),
  anomalyId: z.string().nullable(),
  leadId: z.string().nullable(),
  leadStatus: z.string().nullable(),
  priority: z.string().nullable(),
  change: z.string().nullable(),
  start: z.number().nullable(),
  end: z.number().nullable(),
  ack: z.object({ by: z.string(), at: z.number() }).nullable(),
});

export const UserItem = z.object({ id: z.string(), name: z.string(), role: Role, region: z.string(), createdAt: z.number(), revokedAt: z.number().nullable() });
export const WebhookItem = z.object({ id: z.string(), url: z.string(), region: z.string(), createdBy: z.string(), createdAt: z.number(), active: z.boolean() });

export const SeriesPointItem = z
  .object({ time: z.number(), pollutant: z.string(), kind: z.string(), value: z.number().nullable(), converted: z.number().nullable().optional(), flag: z.string().nullable() })
  .loose();
export const HourlyItem = z
  .object({ hourStart: z.number(), avg: z.number().nullable(), convertedAvg: z.number().nullable(), validCount: z.number(), totalCount: z.number(), valid: z.boolean() })
  .loose();

export const LeadPage = page(LeadItem);
export const AnomalyPage = page(AnomalyItem);
export const SitePage = page(SiteItem);
export const AlertPage = page(AlertItem);
export const UserPage = page(UserItem);
export const WebhookPage = page(WebhookItem);
