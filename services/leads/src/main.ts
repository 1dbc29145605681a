/**
 * Composition root for the leads consumer as its own process:
 *   KAFKA_BROKERS (bus; in-memory when unset), DATABASE_URL (PostgreSQL; PGlite under DATA_DIR
 *   when unset), SITES_FILE (site registry), DATA_DIR, ADMIN_TOKEN, HTTP_PORT (/healthz, /metrics).
 */
import { Topics } from '@offsite/domain';
import { createBus } from '@offsite/bus';
import { createLeadStore } from '@offsite/lead-store';
import { createLogger, createMetrics, createServiceHttp, installShutdown, loadConfig, loadSites, port, sharedEnv } from '@offsite/runtime';
import { createLeadService } from './service.js';
import { startAnomalyConsumer } from './consumer.js';
import { createWebhookDispatcher } from './webhooks.js';
import { ensureAdminToken } from './admin.js';
import { createLeadsMetrics } from './metrics.js';

// The shared contract's variables; this service's own default port.
const Env = sharedEnv
  .pick({ KAFKA_BROKERS: true, DATABASE_URL: true, SITES_FILE: true, DATA_DIR: true, ADMIN_TOKEN: true })
  .extend({ HTTP_PORT: port(8083) });

const config = loadConfig(Env);
const logger = createLogger('leads');
const registry = createMetrics('leads');
const metrics = createLeadsMetrics(registry);

const sites = loadSites(config.SITES_FILE);
if (!config.SITES_FILE) logger.warn('SITES_FILE not set: every lead lands in region 000000 (national scope only)');

const store = await createLeadStore(config, {});
await ensureAdminToken({ store, dataDir: config.DATA_DIR, envToken: config.ADMIN_TOKEN });

const bus = createBus({ kafkaBrokers: config.KAFKA_BROKERS, clientId: 'offsite-leads', logger });
await bus.ensureTopics([
  { name: Topics.anomalies, partitions: 6 },
  { name: Topics.leads, partitions: 6 },
  { name: Topics.deadletter, partitions: 1 },
]);

const service = createLeadService({ store, sites, bus, logger });
// Events a previous run committed but did not publish, then a periodic sweep for failed sends.
await service.relayEvents();
const relayTimer = setInterval(() => void service.relayEvents(), 5_000);
relayTimer.unref();
const consumer = await startAnomalyConsumer({ bus, service, logger, onOutcomes: (o, dead) => metrics.record(o, dead) });
const dispatcher = createWebhookDispatcher({ store, logger, onRound: (c) => metrics.webhook(c) });
dispatcher.start();

const http = createServiceHttp({
  service: 'leads',
  logger,
  registries: [registry],
  health: async () => ({ store: await store.health(), bus: await bus.health(), sites: { ok: true, detail: `${sites.size} sites` } }),
});
await http.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
logger.info({ port: config.HTTP_PORT, store: store.kind, bus: bus.kind, sites: sites.size }, 'leads service started');

installShutdown(logger, [
  ['consumer', () => consumer.stop()],
  ['lead events', async () => {
    clearInterval(relayTimer);
    await service.relayEvents();
  }],
  ['webhooks', () => dispatcher.stop()],
  ['http', () => http.close()],
  ['bus', () => bus.close()],
  ['store', () => store.close()],
]);
