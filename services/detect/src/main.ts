/**
 * services/detect as its own process: readings from the bus → packages/detectors →
 * supervision.anomalies.v1. Engine state is kept in DETECT_STATE_FILE (default
 * DATA_DIR/detect-state.json) across restarts. GET /healthz and /metrics on HTTP_PORT.
 */
import { join } from 'node:path';
import { Topics, topicSpec } from '@offsite/domain';
import { createBus } from '@offsite/bus';
import { createLogger, createMetrics, createServiceHttp, installShutdown, loadConfig, loadSites, optionalString, positiveInt, sharedEnv } from '@offsite/runtime';
import { createDetectService } from './detector-service.js';

const env = loadConfig(
  sharedEnv.pick({ HTTP_PORT: true, KAFKA_BROKERS: true, SITES_FILE: true, DATA_DIR: true, LOG_LEVEL: true }).extend({
    DETECT_STATE_FILE: optionalString,
    DETECT_TICK_MS: positiveInt(30_000),
    DETECT_SNAPSHOT_EVERY_MS: positiveInt(5_000),
  }),
);
const logger = createLogger('detect', env.LOG_LEVEL);
const registry = createMetrics('detect');
const bus = createBus({ kafkaBrokers: env.KAFKA_BROKERS ?? [], clientId: 'offsite-detect', logger });
await bus.ensureTopics([topicSpec(Topics.readings), topicSpec(Topics.anomalies), topicSpec(Topics.deadletter)]);
const detect = createDetectService({
  bus,
  sites: loadSites(env.SITES_FILE),
  logger,
  registry,
  stateFile: env.DETECT_STATE_FILE ?? join(env.DATA_DIR, 'detect-state.json'),
  tickMs: env.DETECT_TICK_MS,
  snapshotEveryMs: env.DETECT_SNAPSHOT_EVERY_MS,
});
const http = createServiceHttp({ service: 'detect', logger, registries: [registry], health: async () => ({ bus: await bus.health() }) });

await detect.start();
await http.listen({ port: env.HTTP_PORT, host: '0.0.0.0' });
logger.info({ port: env.HTTP_PORT, bus: bus.kind }, 'detect running');
installShutdown(logger, [
  ['stop consuming, save state', () => detect.stop()],
  ['close bus', () => bus.close()],
  ['close http', () => http.close()],
]);
