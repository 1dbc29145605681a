/**
 * Composition root for the console as its own process. Env (the shared contract): HTTP_PORT,
 * KAFKA_BROKERS (bus; in-memory when unset), INFLUX_* (series; embedded under DATA_DIR when unset),
 * DATABASE_URL (leads; PGlite under DATA_DIR when unset), SITES_FILE, DATA_DIR, ADMIN_TOKEN.
 * Alone it only makes sense against shared servers (Kafka, InfluxDB, PostgreSQL); the embedded
 * default runs everything in one process (services/offsite).
 */
import { Topics } from '@offsite/domain';
import { createBus } from '@offsite/bus';
import { createLeadStore } from '@offsite/lead-store';
import { createLeadService, ensureAdminToken } from '@offsite/leads';
import { createLogger, createMetrics, installShutdown, loadConfig, loadSites, sharedEnv } from '@offsite/runtime';
import { SeriesStoreEnv, createSeriesStore } from '@offsite/series-store';
import { createConsole } from './console.js';

const Env = sharedEnv.pick({ HTTP_PORT: true, KAFKA_BROKERS: true, DATABASE_URL: true, SITES_FILE: true, DATA_DIR: true, ADMIN_TOKEN: true, LOG_LEVEL: true });
const config = loadConfig(Env);
const logger = createLogger('console', config.LOG_LEVEL);
const registry = createMetrics('console');

const sites = loadSites(config.SITES_FILE);
if (!config.SITES_FILE) logger.warn('SITES_FILE not set: every device is unregistered (national scope only)');

const seriesStore = await createSeriesStore(loadConfig(SeriesStoreEnv), { logger });
const leadStore = await createLeadStore(config, {});
await ensureAdminToken({ store: leadStore, dataDir: config.DATA_DIR, envToken: config.ADMIN_TOKEN });

const bus = createBus({ kafkaBrokers: config.KAFKA_BROKERS, clientId: 'offsite-console', logger });
await bus.ensureTopics([
  { name: Topics.readings, partitions: 6 },
  { name: Topics.deviceStatus, partitions: 6 },
  { name: Topics.anomalies, partitions: 6 },
  { name: Topics.leads, partitions: 6 },
]);

// Commands from the console publish lead events, as the leads service does.
const leadService = createLeadService({ store: leadStore, sites, bus, logger });
const console_ = createConsole({
  leadService,
  seriesStore,
  sites,
  bus,
  logger,
  registry,
  health: async () => ({ leadStore: await leadStore.health() }),
  options: process.env.CONSOLE_GROUP_SUFFIX ? { alertsGroupId: `console-alerts-${process.env.CONSOLE_GROUP_SUFFIX}`, sitesGroupId: `console-sites-${process.env.CONSOLE_GROUP_SUFFIX}` } : {},
});
await console_.start();
await console_.app.listen({ port: config.HTTP_PORT, host: '0.0.0.0' });
logger.info({ port: config.HTTP_PORT, bus: bus.kind, series: seriesStore.kind, leads: leadStore.kind, sites: sites.size }, 'console started');

installShutdown(logger, [
  ['console', () => console_.stop()],
  ['bus', () => bus.close()],
  ['series', () => seriesStore.close()],
  ['leads store', () => leadStore.close()],
]);
