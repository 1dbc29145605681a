import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RegionCode, regionCovers } from '@offsite/domain';
import { NotFoundError } from '@offsite/leads-core';
import type { Caller } from '@offsite/leads';
import { callerOf } from '../http/auth.js';
import { Cursor, Limit, decodeOffset, encodeOffset, errorResponses, documented } from '../http/schemas.js';
import { SiteItem, SitePage } from '../http/responses.js';
import type { ConsoleContext } from '../context.js';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const SiteListQuery = z.object({
  region: RegionCode.optional().describe('a region inside the caller scope (prefix rule: 330000 province, 330100 city)'),
  industry: z.string().min(1).max(100).optional(),
  status: z.enum(['online', 'offline', 'unknown']).optional(),
  registered: bool.optional(),
  exceeding: bool.optional().describe('only sites with a latest value above its limit (true) or none (false)'),
  q: z.string().min(1).max(100).optional().describe('substring of MN, outlet name or enterprise'),
  sort: z.enum(['attention', 'mn', 'lastData', 'openLeads']).default('attention'),
  limit: Limit.default(100),
  cursor: Cursor.optional(),
});

/** 404 for an MN never heard of, 403 (recorded by the lead service) outside the caller's region. */
export async function siteInScope(ctx: ConsoleContext, caller: Caller, mn: string): Promise<void> {
  const region = ctx.siteState.regionOf(mn);
  if (region === undefined) throw new NotFoundError('site', mn);
  if (!regionCovers(caller.regionScope, region)) await ctx.leadService.refuse(caller, 'view', `site region ${region} is outside scope ${caller.regionScope}`, mn, region);
}

/** Sites from the in-memory state (registry + devices seen on the bus): no I/O per request. */
export async function siteRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['sites'];

  r.get('/sites', { schema: { tags, summary: 'Monitored outlets with status, last data time, latest values vs limits and open leads', querystring: SiteListQuery, response: documented({ 200: SitePage, ...errorResponses }) } }, async (req) => {
    const caller = callerOf(req);
    const q = req.query;
    if (q.region && !regionCovers(caller.regionScope, q.region)) await ctx.leadService.refuse(caller, 'view', `region ${q.region} is outside scope ${caller.regionScope}`, null, q.region);
    const all = ctx.siteState.list(
      {
        scope: caller.regionScope,
        ...(q.region ? { region: q.region } : {}),
        ...(q.industry ? { industry: q.industry } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.registered !== undefined ? { registered: q.registered } : {}),
        ...(q.exceeding !== undefined ? { exceeding: q.exceeding } : {}),
        ...(q.q ? { q: q.q } : {}),
      },
      q.sort,
    );
    const offset = decodeOffset(q.cursor, 'sites');
    const items = all.slice(offset, offset + q.limit);
    return { items, next: offset + q.limit < all.length ? encodeOffset(offset + q.limit) : null, total: all.length };
  });

  r.get('/sites/:mn', { schema: { tags, summary: 'One outlet', params: z.object({ mn: z.string().min(1).max(24) }), response: documented({ 200: SiteItem, ...errorResponses }) } }, async (req) => {
    await siteInScope(ctx, callerOf(req), req.params.mn);
    return ctx.siteState.view(req.params.mn)!;
  });
}
