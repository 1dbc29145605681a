import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LeadCommand } from '@offsite/leads-core';
import { LeadListQuery, parseLeadListQuery } from '@offsite/leads';
import { callerOf } from '../http/auth.js';
import { errorResponses, documented } from '../http/schemas.js';
import { AuditBody, LeadDetailBody, LeadItem, LeadPage } from '../http/responses.js';
import type { ConsoleContext } from '../context.js';

const IdParams = z.object({ id: z.string().min(1).max(100) });
const conflict = { 409: errorResponses[404].describe('transition not allowed from the current status') };

/** Lead queue, detail, lifecycle commands, comments, evidence export and audit verification. */
export async function leadRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const svc = ctx.leadService;
  const tags = ['leads'];

  r.get('/leads', { schema: { tags, summary: 'Lead queue (region-scoped)', querystring: LeadListQuery, response: documented({ 200: LeadPage, ...errorResponses }) } }, async (req) => {
    const { filter, cursor, limit } = parseLeadListQuery(req.query);
    return svc.listLeads(callerOf(req), filter, cursor, limit);
  });

  r.get('/leads/:id', { schema: { tags, summary: 'One lead with its frozen evidence, anomalies, comments and assignments', params: IdParams, response: documented({ 200: LeadDetailBody, ...errorResponses }) } }, async (req) =>
    svc.getLead(callerOf(req), req.params.id),
  );

  r.post(
    '/leads/:id/transitions',
    {
      schema: {
        tags,
        summary: 'Lifecycle command: acknowledge, investigate, close (resolution + reason, duplicateOf), reopen, assign',
        params: IdParams,
        body: LeadCommand,
        response: documented({ 200: LeadItem, ...errorResponses, ...conflict }),
      },
    },
    async (req) => svc.transition(callerOf(req), req.params.id, req.body),
  );

  r.post(
    '/leads/:id/assign',
    { schema: { tags, summary: 'Assign to a team', params: IdParams, body: z.object({ team: z.string().min(1).max(200), note: z.string().max(2000).optional() }), response: documented({ 200: LeadItem, ...errorResponses, ...conflict }) } },
    async (req) => svc.assign(callerOf(req), req.params.id, req.body.team, req.body.note),
  );

  r.post(
    '/leads/:id/comments',
    { schema: { tags, summary: 'Add a comment (audited)', params: IdParams, body: z.object({ text: z.string().trim().min(1).max(5000) }), response: documented({ 201: z.object({ id: z.string(), text: z.string(), author: z.string(), at: z.number() }).loose(), ...errorResponses }) } },
    async (req, reply) => reply.code(201).send(await svc.comment(callerOf(req), req.params.id, req.body.text)),
  );

  r.get(
    '/leads/:id/export',
    {
      schema: {
        tags,
        summary: 'Evidence package as JSON (canonical) or CSV; X-Evidence-SHA256 carries the sha256 of the body',
        params: IdParams,
        querystring: z.object({ format: z.enum(['json', 'csv']).default('json'), version: z.coerce.number().int().min(1).optional() }),
        response: documented({ 200: z.string().describe('the evidence file'), ...errorResponses }),
      },
    },
    async (req, reply) => {
      const file = await svc.exportEvidence(callerOf(req), req.params.id, req.query.format, req.query.version);
      return reply
        .type(file.contentType)
        .header('x-evidence-sha256', file.sha256)
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .serializer((s: string) => s)
        .send(file.body);
    },
  );

  r.get('/leads/:id/audit/verify', { schema: { tags, summary: 'Audit trail with its hash-chain verdict', params: IdParams, response: documented({ 200: AuditBody, ...errorResponses }) } }, async (req) =>
    svc.verifyAudit(callerOf(req), req.params.id),
  );
}
