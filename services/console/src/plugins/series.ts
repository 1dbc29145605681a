import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DataKind } from '@offsite/domain';
import { callerOf } from '../http/auth.js';
import { Cursor, Instant, Limit, errorResponses, documented } from '../http/schemas.js';
import { HourlyItem, SeriesPointItem } from '../http/responses.js';
import type { ConsoleContext } from '../context.js';
import { siteInScope } from './sites.js';

const DAY = 86_400_000;
const MnParams = z.object({ mn: z.string().min(1).max(24) });
const Limits = z.object({ limit: z.number().nullable(), band: z.tuple([z.number(), z.number()]).nullable(), standard: z.string().nullable(), o2Ref: z.number().nullable() });

const SeriesQuery = z.object({
  pollutant: z.string().min(1).max(20).optional(),
  kind: DataKind.default('rtd'),
  from: Instant.optional().describe('epoch ms or ISO 8601; default: `to` minus 24 h'),
  to: Instant.optional().describe('epoch ms or ISO 8601, exclusive; default: now'),
  limit: Limit.default(1000),
  cursor: Cursor.regex(/^\d+$/, 'cursor: the `next` value of the previous page').optional(),
});

const HourlyQuery = z.object({
  pollutant: z.string().min(1).max(20),
  from: Instant.optional().describe('default: `to` minus 7 days'),
  to: Instant.optional().describe('default: now'),
  expectedPerHour: z.coerce.number().int().positive().optional().describe('samples per hour expected (HJ 75 valid-hour rule); inferred from the series when absent'),
});

/** Raw points and hourly averages of one outlet, region-checked, with the site's limit for the pollutant. */
export async function seriesRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['series'];

  function limitsOf(mn: string, pollutant: string | undefined): z.infer<typeof Limits> {
    const site = ctx.siteState.site(mn);
    return {
      limit: (pollutant && site?.limits[pollutant]) || null,
      band: (pollutant && site?.bands?.[pollutant]) || null,
      standard: site?.standard ?? null,
      o2Ref: site?.o2Ref ?? null,
    };
  }

  r.get(
    '/sites/:mn/series',
    {
      schema: {
        tags,
        summary: 'Raw points in [from, to), oldest first; pages end on a time boundary, `next` is the `from` of the next page',
        params: MnParams,
        querystring: SeriesQuery,
        response: documented({ 200: z.object({ mn: z.string(), kind: DataKind, items: z.array(SeriesPointItem), next: z.string().nullable(), limits: Limits }), ...errorResponses }),
      },
    },
    async (req) => {
      const { mn } = req.params;
      await siteInScope(ctx, callerOf(req), mn);
      const q = req.query;
      const to = q.to ?? ctx.clock();
      const from = q.cursor ? Number(q.cursor) : (q.from ?? to - DAY);
      const points = await ctx.seriesStore.range({ mn, kind: q.kind, ...(q.pollutant ? { pollutant: q.pollutant } : {}), from, to, limit: q.limit + 1 });
      let items = points;
      let next: string | null = null;
      if (points.length > q.limit) {
        // Cut before the first instant of the overflow so no instant is split across pages
        // (a single instant with more than `limit` points, which no logger sends, is cut at limit).
        const boundary = points[q.limit]!.time;
        items = points.slice(0, q.limit).filter((p) => p.time < boundary);
        next = String(boundary);
        if (items.length === 0) {
          items = points.slice(0, q.limit);
          next = String(boundary + 1);
        }
      }
      return { mn, kind: q.kind, items, next, limits: limitsOf(mn, q.pollutant) };
    },
  );

  r.get(
    '/sites/:mn/hourly',
    {
      schema: {
        tags,
        summary: 'Hourly averages of valid (flag N) rtd samples, local hours, with valid/total counts (HJ 75: a valid hour needs 75% of the expected samples)',
        params: MnParams,
        querystring: HourlyQuery,
        response: documented({ 200: z.object({ mn: z.string(), pollutant: z.string(), items: z.array(HourlyItem), next: z.null(), limits: Limits }), ...errorResponses }),
      },
    },
    async (req) => {
      const { mn } = req.params;
      await siteInScope(ctx, callerOf(req), mn);
      const q = req.query;
      const to = q.to ?? ctx.clock();
      const from = q.from ?? to - 7 * DAY;
      const site = ctx.siteState.site(mn);
      const items = await ctx.seriesStore.hourly({
        mn,
        pollutant: q.pollutant,
        from,
        to,
        ...(q.expectedPerHour ? { expectedPerHour: q.expectedPerHour } : {}),
        ...(site ? { utcOffsetMinutes: site.utcOffsetMinutes } : {}),
      });
      return { mn, pollutant: q.pollutant, items, next: null, limits: limitsOf(mn, q.pollutant) };
    },
  );
}
