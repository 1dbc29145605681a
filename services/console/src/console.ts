import type { FastifyInstance } from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import type { SiteIndex } from '@offsite/domain';
import type { Bus, Consumer } from '@offsite/bus';
import type { LeadService } from '@offsite/leads';
import { createServiceHttp, type HealthCheck, type Logger, type Registry } from '@offsite/runtime';
import type { SeriesStore } from '@offsite/series-store';
import type { ConsoleContext } from './context.js';
import { StreamTickets, authPlugin } from './http/auth.js';
import { installErrorHandling } from './http/errors.js';
import { createConsoleMetrics } from './metrics.js';
import { alertRoutes } from './plugins/alerts.js';
import { anomalyRoutes } from './plugins/anomalies.js';
import { leadRoutes } from './plugins/leads.js';
import { openapiPlugin } from './plugins/openapi.js';
import { seriesRoutes } from './plugins/series.js';
import { siteRoutes } from './plugins/sites.js';
import { DEFAULT_PUBLIC_DIR, staticRoutes } from './plugins/static.js';
import { userRoutes, webhookRoutes } from './plugins/users.js';
import { AlertLog } from './state/alert-log.js';
import { startFeed } from './state/feed.js';
import { seedLatestValues, seedOpenLeads } from './state/seed.js';
import { SiteState } from './state/site-state.js';

export interface ConsoleDeps {
  leadService: LeadService;
  seriesStore: SeriesStore;
  sites: SiteIndex;
  bus: Bus;
  logger: Logger;
  registry: Registry;
  /** The web page's directory; default services/console/public. `false` serves no page. */
  publicDir?: string | false;
  /** Extra /healthz dependencies (the all-in-one adds its own). */
  health?: HealthCheck;
  clock?: () => number;
  options?: Partial<ConsoleOptions>;
}

export interface ConsoleOptions {
  /** Alerts kept in memory for the list and Last-Event-ID replay. */
  alertCapacity: number;
  heartbeatMs: number;
  streamRecheckMs: number;
  streamTicketTtlMs: number;
  alertsGroupId: string;
  sitesGroupId: string;
  /** Seed latest values of registered sites from the SeriesStore at start (background). */
  seedLatest: boolean;
}

export const defaultConsoleOptions: ConsoleOptions = {
  alertCapacity: 2000,
  heartbeatMs: 15_000,
  streamRecheckMs: 60_000,
  streamTicketTtlMs: 5 * 60_000,
  alertsGroupId: 'console-alerts',
  sitesGroupId: 'console-sites',
  seedLatest: true,
};

export interface Console {
  app: FastifyInstance;
  /** Subscribes to the bus and seeds open lead counts (awaited) and latest values (background). */
  start(): Promise<void>;
  /** Stops the consumers and closes the streams; the caller closes `app` (after stop) or lets stop do it. */
  stop(): Promise<void>;
  /** In-memory state, for tests, benchmarks and the all-in-one's diagnostics. */
  state: { sites: SiteState; alerts: AlertLog; seeded: Promise<void> };
}

/**
 * The console: REST API under /api/v1 (OpenAPI at /docs), live alerts over SSE, the web page,
 * and /healthz + /metrics. One Fastify instance, one plugin per concern.
 */
export function createConsole(deps: ConsoleDeps): Console {
  const options = { ...defaultConsoleOptions, ...deps.options };
  const clock = deps.clock ?? Date.now;
  const logger = deps.logger.child({ component: 'console' });
  const siteState = new SiteState(deps.sites, clock);
  const alerts = new AlertLog(options.alertCapacity, clock());
  const metrics = createConsoleMetrics(deps.registry, alerts, siteState);
  const ctx: ConsoleContext = {
    leadService: deps.leadService,
    seriesStore: deps.seriesStore,
    sites: deps.sites,
    siteState,
    alerts,
    tickets: new StreamTickets(options.streamTicketTtlMs, clock),
    metrics,
    logger,
    clock,
    heartbeatMs: options.heartbeatMs,
    streamRecheckMs: options.streamRecheckMs,
  };

  const app = createServiceHttp({
    service: 'console',
    logger: deps.logger,
    registries: [deps.registry],
    health: async () => ({
      bus: await deps.bus.health(),
      series: await deps.seriesStore.health(),
      sites: { ok: true, detail: `${deps.sites.size} registered, ${siteState.stats().seen} seen on the bus` },
      ...(deps.health ? await deps.health() : {}),
    }),
  });
  // Responses are serialised as they are: the zod response schemas document them (OpenAPI) and the
  // API tests check them, without paying a schema pass on every large list.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandling(app);
  void app.register(openapiPlugin);
  void app.register(authPlugin, { leadService: deps.leadService, tickets: ctx.tickets });
  void app.register(
    async (api) => {
      for (const routes of [leadRoutes, anomalyRoutes, siteRoutes, seriesRoutes, alertRoutes, userRoutes, webhookRoutes]) await api.register(routes, { ctx });
    },
    { prefix: '/api/v1' },
  );
  if (deps.publicDir !== false) void app.register(staticRoutes, { root: deps.publicDir ?? DEFAULT_PUBLIC_DIR });

  let consumers: Consumer[] = [];
  let stopped = false;
  let seeded: Promise<void> = Promise.resolve();

  return {
    app,
    state: {
      sites: siteState,
      alerts,
      get seeded() {
        return seeded;
      },
    },
    async start() {
      consumers = await startFeed({
        bus: deps.bus,
        logger,
        alerts,
        sites: siteState,
        clock,
        alertsGroupId: options.alertsGroupId,
        sitesGroupId: options.sitesGroupId,
        onMessage: metrics.busMessage,
      });
      const open = await seedOpenLeads(deps.leadService, siteState);
      if (options.seedLatest) {
        const mns = deps.sites.sites.map((s) => s.mn);
        seeded = seedLatestValues(deps.seriesStore, mns, siteState, logger, 4, () => stopped).then((n) => {
          logger.info({ sites: n }, 'console: latest values seeded');
        });
      }
      logger.info({ sites: deps.sites.size, openLeads: open }, 'console started');
    },
    async stop() {
      stopped = true;
      await Promise.all(consumers.map((c) => c.stop()));
      consumers = [];
      await seeded.catch(() => undefined);
      await app.close();
    },
  };
}
