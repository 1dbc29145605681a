import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AnomalyListQuery, parseAnomalyListQuery } from '@offsite/leads';
import { callerOf } from '../http/auth.js';
import { errorResponses, documented } from '../http/schemas.js';
import { AnomalyPage } from '../http/responses.js';
import type { ConsoleContext } from '../context.js';

/** Stored anomalies, region-scoped; `from`/`to` take epoch ms or ISO 8601 (overlap with [from, to)). */
export async function anomalyRoutes(app: FastifyInstance, { ctx }: { ctx: ConsoleContext }): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/anomalies',
    { schema: { tags: ['anomalies'], summary: 'Anomalies (mn, rule, leadId, from, to; newest first)', querystring: AnomalyListQuery, response: documented({ 200: AnomalyPage, ...errorResponses }) } },
    async (req) => {
      const { filter, cursor, limit } = parseAnomalyListQuery(req.query);
      return ctx.leadService.listAnomalies(callerOf(req), filter, cursor, limit);
    },
  );
}
