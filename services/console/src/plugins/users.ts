import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { NewUser, NewWebhook } from '@offsite/leads';
import { callerOf } from '../http/auth.js';
import { errorResponses, documented } from '../http/schemas.js';
import { UserItem, UserPage, WebhookItem, WebhookPage } from '../http/responses.js';
import type { ConsoleContext } from '../context.js';

/** Users (admin): adding one answers its token, once; only the hash is stored. */
export async function userRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['users'];
  r.get('/me', { schema: { tags, summary: 'Who the token belongs to: user id, role, region scope', response: documented({ 200: z.object({ userId: z.string(), role: z.string(), regionScope: z.string() }), ...errorResponses }) } }, async (req) => callerOf(req));
  r.post('/users', { schema: { tags, summary: 'Add a user; the response carries its bearer token, shown only this once', body: NewUser, response: documented({ 201: z.object({ user: UserItem, token: z.string() }), ...errorResponses }) } }, async (req, reply) =>
    reply.code(201).send(await ctx.leadService.users.add(callerOf(req), req.body)),
  );
  r.get('/users', { schema: { tags, summary: 'Users within the caller scope', response: documented({ 200: UserPage, ...errorResponses }) } }, async (req) => ({ items: await ctx.leadService.users.list(callerOf(req)), next: null }));
  r.delete('/users/:id', { schema: { tags, summary: 'Revoke a user (their token stops working at once)', params: z.object({ id: z.string().min(1).max(100) }), response: documented({ 204: z.null(), ...errorResponses }) } }, async (req, reply) => {
    await ctx.leadService.users.revoke(callerOf(req), req.params.id);
    return reply.code(204).send();
  });
}

/** Webhooks (admin): lead events of a region are POSTed, signed; the secret is answered once. */
export async function webhookRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  r.post('/webhooks', { schema: { tags, summary: 'Add a webhook; the response carries its signing secret, shown only this once', body: NewWebhook, response: documented({ 201: z.object({ webhook: WebhookItem, secret: z.string() }), ...errorResponses }) } }, async (req, reply) =>
    reply.code(201).send(await ctx.leadService.webhooks.add(callerOf(req), req.body)),
  );
  r.get('/webhooks', { schema: { tags, summary: 'Webhooks within the caller scope', response: documented({ 200: WebhookPage, ...errorResponses }) } }, async (req) => ({ items: await ctx.leadService.webhooks.list(callerOf(req)), next: null }));
}
