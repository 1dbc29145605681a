/**
 * services/archive as its own process: readings from the bus (Kafka when KAFKA_BROKERS is set)
 * into the SeriesStore (InfluxDB when INFLUX_* are set). GET /healthz and /metrics on HTTP_PORT.
 */
import { createBus } from '@offsite/bus';
import { createSeriesStore, SeriesStoreEnv, type InfluxSeriesStore } from '@offsite/series-store';
import { createLogger, createMetrics, createServiceHttp, installShutdown, loadConfig, loadSites, positiveInt, sharedEnv } from '@offsite/runtime';
import { z } from 'zod';
import { createArchiver } from './archiver.js';

const env = loadConfig(SeriesStoreEnv.extend(sharedEnv.pick({ HTTP_PORT: true, KAFKA_BROKERS: true, SITES_FILE: true }).shape).extend({ ARCHIVE_MAX_BATCH: positiveInt(5000), ARCHIVE_ROLLUPS: z.enum(['on', 'off']).default('on') }));
const logger = createLogger('archive');
const registry = createMetrics('archive');
const bus = createBus({ kafkaBrokers: env.KAFKA_BROKERS ?? [], clientId: 'offsite-archive', logger });
const store = await createSeriesStore(env, { logger });
const archiver = createArchiver({ bus, store, sites: loadSites(env.SITES_FILE), logger, registry, maxBatchSize: env.ARCHIVE_MAX_BATCH });
const http = createServiceHttp({
  service: 'archive',
  logger,
  registries: [registry],
  health: async () => ({ bus: await bus.health(), seriesStore: await store.health() }),
});

// Hourly rollups (InfluxDB task into a second bucket; docs/series-schema.md). Idempotent.
if (env.ARCHIVE_ROLLUPS === 'on' && store.kind === 'influx') {
  logger.info(await (store as InfluxSeriesStore).ensureRollups(), 'hourly rollups ensured');
}
await archiver.start();
await http.listen({ port: env.HTTP_PORT, host: '0.0.0.0' });
logger.info({ port: env.HTTP_PORT, bus: bus.kind, store: store.kind }, 'archive running');
installShutdown(logger, [
  ['stop consuming (commit the batch in hand)', () => archiver.stop()],
  ['close series store (flush)', () => store.close()],
  ['close bus', () => bus.close()],
  ['close http', () => http.close()],
]);
