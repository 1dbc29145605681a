import { createBus } from '@offsite/bus';
import { createLogger, createMetrics, createServiceHttp, installShutdown, loadConfig, loadSites } from '@offsite/runtime';
import { IngestEnv, pipelineOptionsFromEnv } from './config.js';
import { startIngest } from './ingest.js';

/** Composition root of the standalone ingest service (the all-in-one embeds startIngest instead). */
const env = loadConfig(IngestEnv);
const logger = createLogger('ingest', env.LOG_LEVEL);
const registry = createMetrics('ingest');
const bus = createBus({ kafkaBrokers: env.KAFKA_BROKERS, clientId: 'offsite-ingest', logger });
const sites = loadSites(env.SITES_FILE);
if (!env.MQTT_URL) logger.warn('MQTT_URL not set: MQTT ingest disabled (the all-in-one runs an embedded broker)');

const ingest = await startIngest({
  bus,
  sites,
  logger,
  registry,
  options: pipelineOptionsFromEnv(env),
  tcp:
    env.INGEST_TCP === 'on'
      ? { port: env.HJ212_TCP_PORT, host: env.INGEST_TCP_HOST, maxConnections: env.INGEST_TCP_MAX_CONNECTIONS, idleTimeoutMs: env.INGEST_TCP_IDLE_TIMEOUT_MS }
      : undefined,
  mqtt: env.MQTT_URL
    ? {
        url: env.MQTT_URL,
        protocol: env.INGEST_MQTT_PROTOCOL === 'auto' ? 'auto' : (Number(env.INGEST_MQTT_PROTOCOL) as 4 | 5),
        shared: env.INGEST_MQTT_SHARED,
        group: env.INGEST_MQTT_GROUP,
        clientId: env.INGEST_MQTT_CLIENT_ID,
        clients: env.INGEST_MQTT_CLIENTS,
        receiveMaximum: env.INGEST_MQTT_RECEIVE_MAXIMUM,
        maxPending: env.INGEST_MAX_PENDING,
        username: env.INGEST_MQTT_USERNAME,
        password: env.INGEST_MQTT_PASSWORD,
        topicPrefix: env.INGEST_MQTT_TOPIC_PREFIX,
      }
    : undefined,
});

const http = createServiceHttp({ service: 'ingest', logger, health: ingest.health, registries: [registry] });
await http.listen({ port: env.HTTP_PORT, host: '0.0.0.0' });
logger.info({ http: env.HTTP_PORT, tcp: ingest.tcp?.port ?? null, mqtt: ingest.mqtt?.subscriptions ?? null, bus: bus.kind }, 'ingest running');

installShutdown(logger, [
  ['stop taking packets, flush to the bus', () => ingest.stop()],
  ['close the bus', () => bus.close()],
  ['close http', () => http.close()],
]);
