import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Severity, regionCovers } from '@offsite/domain';
import { NotFoundError, UnauthenticatedError } from '@offsite/leads-core';
import { callerOf } from '../http/auth.js';
import { Limit, errorResponses, documented } from '../http/schemas.js';
import { AlertItem, AlertPage } from '../http/responses.js';
import type { ConsoleContext } from '../context.js';
import { openAlertStream } from './alert-stream.js';

const AlertListQuery = z.object({
  type: z.enum(['anomaly', 'lead']).optional(),
  unacked: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  minSeverity: Severity.optional(),
  limit: Limit.default(100),
  cursor: z.string().regex(/^\d+$/, 'cursor: the `next` value of the previous page').optional(),
});

const StreamQuery = z.object({
  ticket: z.string().min(1).max(200).describe('from POST /api/v1/alerts/stream-tickets'),
  lastEventId: z.string().regex(/^\d+$/).optional().describe('replay after this id when the Last-Event-ID header cannot be set (a new EventSource)'),
});

/** Recent alerts, acknowledgement, and the live SSE stream (region-filtered per connection). */
export async function alertRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['alerts'];
  const closers = new Set<() => void>();
  // Open streams never go idle: end them before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const close of closers) close();
  });

  r.get('/alerts', { schema: { tags, summary: 'Recent alerts (bounded in-memory log), newest first', querystring: AlertListQuery, response: documented({ 200: AlertPage, ...errorResponses }) } }, async (req) => {
    const caller = callerOf(req);
    const q = req.query;
    const matches = ctx.alerts.recent(caller.regionScope, {
      ...(q.cursor ? { beforeId: Number(q.cursor) } : {}),
      ...(q.type ? { type: q.type } : {}),
      ...(q.unacked !== undefined ? { unacked: q.unacked } : {}),
      ...(q.minSeverity ? { minSeverity: q.minSeverity } : {}),
    });
    const items = matches.slice(0, q.limit);
    return { items, next: matches.length > q.limit ? String(items[items.length - 1]!.id) : null, lastId: ctx.alerts.lastId };
  });

  r.post('/alerts/:id/ack', { schema: { tags, summary: 'Acknowledge an alert on the desk (idempotent; pushed to every stream as an `ack` event)', params: z.object({ id: z.coerce.number().int() }), response: documented({ 200: AlertItem, ...errorResponses }) } }, async (req) => {
    const caller = callerOf(req);
    const alert = ctx.alerts.get(req.params.id);
    if (!alert) throw new NotFoundError('alert (or no longer retained)', String(req.params.id));
    // Refused and recorded like the lead service's own denials (auth_denials + 'access denied' log).
    if (!regionCovers(caller.regionScope, alert.region)) await ctx.leadService.refuse(caller, 'acknowledge', `alert region ${alert.region} is outside scope ${caller.regionScope}`, `alert ${alert.id}`, alert.region);
    return ctx.alerts.acknowledge(alert.id, caller.userId, ctx.clock())!;
  });

  r.post(
    '/alerts/stream-tickets',
    { schema: { tags, summary: 'A short-lived ticket for GET /alerts/stream (EventSource cannot send the Authorization header)', response: documented({ 201: z.object({ ticket: z.string(), expiresAt: z.number() }), ...errorResponses }) } },
    async (req, reply) => {
      callerOf(req);
      if (!req.bearerToken) throw new UnauthenticatedError();
      return reply.code(201).send(ctx.tickets.issue(req.bearerToken));
    },
  );

  r.get(
    '/alerts/stream',
    {
      config: { auth: 'stream-ticket' },
      schema: {
        tags,
        summary: 'Server-sent events: `alert` (with id), `ack`, `gap`; heartbeats as comments. Reconnects replay after Last-Event-ID.',
        querystring: StreamQuery,
        response: documented({ 200: z.string().describe('text/event-stream'), ...errorResponses }),
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const header = req.headers['last-event-id'];
      const lastId = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : req.query.lastEventId ? Number(req.query.lastEventId) : null;
      reply.hijack();
      const close = openAlertStream({ ctx, raw: reply.raw, caller, token: req.bearerToken!, lastId, log: req.log, onClose: () => closers.delete(close) });
      closers.add(close);
    },
  );
}
