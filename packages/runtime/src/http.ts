import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';

export interface DependencyHealth {
  ok: boolean;
  detail?: string;
}

export type HealthCheck = () => Promise<Record<string, DependencyHealth>>;

/**
 * A service's HTTP face: GET /healthz (200 when every dependency is ok, 503 otherwise, with each
 * dependency's state) and GET /metrics (Prometheus text). Services add their own routes.
 */
export function createServiceHttp(opts: { service: string; logger: Logger; health: HealthCheck; registries: Registry[] }): FastifyInstance {
  // No per-request log lines (services log what matters). Fastify 5.12 moved the switch from the
  // deprecated top-level `disableRequestLogging` (FSTDEP023 warning) to a LogController.
  const app = Fastify({ loggerInstance: opts.logger.child({ component: 'http' }) as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/healthz', async (_req, reply) => {
    let deps: Record<string, DependencyHealth>;
    try {
      deps = await opts.health();
    } catch (err) {
      deps = { service: { ok: false, detail: (err as Error).message } };
    }
    const ok = Object.values(deps).every((d) => d.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', service: opts.service, dependencies: deps });
  });
  app.get('/metrics', async (_req, reply) => {
    const merged = opts.registries.length === 1 ? opts.registries[0]! : Registry.merge(opts.registries);
    return reply.header('content-type', merged.contentType).send(await merged.metrics());
  });
  return app;
}
