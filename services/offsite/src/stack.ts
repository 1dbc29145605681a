import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { topicSpecs, type SiteIndex } from '@offsite/domain';
import { createBus, type Bus } from '@offsite/bus';
import { createSeriesStore, type SeriesStore } from '@offsite/series-store';
import { createLeadStore, type LeadStore } from '@offsite/lead-store';
import { createArchiver } from '@offsite/archive';
import { createDetectService } from '@offsite/detect';
import { startIngest, pipelineOptionsFromEnv, IngestEnv, type IngestOptions, type RunningIngest } from '@offsite/ingest';
import { createLeadService, createLeadsMetrics, createWebhookDispatcher, ensureAdminToken, startAnomalyConsumer, type LeadService } from '@offsite/leads';
import { createMetrics, type DependencyHealth, type Logger, type Registry, type SharedEnv } from '@offsite/runtime';
import type { Consumer } from '@offsite/bus';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded-broker.js';

export interface StackOptions {
  env: SharedEnv;
  sites: SiteIndex;
  logger: Logger;
  /** Keep the embedded databases in memory (tests); DATA_DIR otherwise. */
  inMemory?: boolean;
  /** Detection tick (time-driven rules), ms. */
  detectTickMs?: number;
  /** Arrival clock of ingest (tests drive simulated time through it). */
  clock?: () => number;
  /** Overrides of the INGEST_* settings. */
  ingestOptions?: Partial<IngestOptions>;
}

/**
 * Every service of the pipeline in one process. Each port gets the production adapter when the
 * environment names a server (KAFKA_BROKERS, INFLUX_*, DATABASE_URL, MQTT_URL) and the embedded
 * one otherwise: in-memory bus, one PGlite under DATA_DIR shared by both stores, aedes broker.
 */
export async function startStack(o: StackOptions) {
  const { env, logger } = o;
  const registries: Registry[] = [];
  const registry = (name: string) => {
    const r = createMetrics(name, registries.length === 0);
    registries.push(r);
    return r;
  };
  const stopSteps: Array<[string, () => Promise<void>]> = [];

  const needsPglite = !env.DATABASE_URL || !env.INFLUX_URL;
  let pglite: PGlite | null = null;
  if (needsPglite) {
    if (o.inMemory) pglite = new PGlite();
    else {
      mkdirSync(env.DATA_DIR, { recursive: true });
      pglite = new PGlite(join(env.DATA_DIR, 'pglite'));
    }
    await pglite.waitReady;
  }

  const bus: Bus = createBus({ kafkaBrokers: env.KAFKA_BROKERS ?? [], clientId: 'offsite', logger: logger.child({ component: 'bus' }) });
  await bus.ensureTopics([...topicSpecs]);
  const seriesStore: SeriesStore = await createSeriesStore(
    { ...env, INFLUX_BATCH_SIZE: 5000, INFLUX_FLUSH_INTERVAL_MS: 0, INFLUX_MAX_IN_FLIGHT: 4, INFLUX_GZIP: 'auto' },
    { logger: logger.child({ component: 'series-store' }), ...(pglite && !env.INFLUX_URL ? { db: pglite } : {}) },
  );
  const leadStore: LeadStore = await createLeadStore(env, pglite ? { db: pglite } : {});

  const admin = await ensureAdminToken({ store: leadStore, dataDir: env.DATA_DIR, envToken: env.ADMIN_TOKEN });

  let broker: EmbeddedBroker | null = null;
  const mqttUrl = env.MQTT_URL ?? (broker = await startEmbeddedBroker(env.MQTT_PORT)).url;

  const leadsRegistry = registry('leads');
  const leadsMetrics = createLeadsMetrics(leadsRegistry);
  const leadService: LeadService = createLeadService({ store: leadStore, sites: o.sites, bus, logger: logger.child({ component: 'leads' }) });
  const anomalyConsumer: Consumer = await startAnomalyConsumer({ bus, service: leadService, logger: logger.child({ component: 'leads' }), onOutcomes: (out, dead) => leadsMetrics.record(out, dead) });
  // Lead events wait in an outbox until published: relay what a previous run left, then keep
  // retrying what a failed send leaves behind.
  await leadService.relayEvents();
  const relayTimer = setInterval(() => void leadService.relayEvents(), 5_000);
  relayTimer.unref();
  const webhooks = createWebhookDispatcher({ store: leadStore, logger: logger.child({ component: 'webhooks' }), onRound: (c) => leadsMetrics.webhook(c) });
  webhooks.start();

  const archiver = createArchiver({ bus, store: seriesStore, sites: o.sites, logger: logger.child({ component: 'archive' }), registry: registry('archive') });
  await archiver.start();
  const detect = createDetectService({
    bus,
    sites: o.sites,
    logger: logger.child({ component: 'detect' }),
    registry: registry('detect'),
    ...(o.inMemory ? {} : { stateFile: join(env.DATA_DIR, 'detect-state.json') }),
    tickMs: o.detectTickMs ?? 30_000,
    ...(o.clock ? { now: o.clock } : {}),
  });
  await detect.start();

  const ingestEnv = IngestEnv.parse(process.env);
  const ingest: RunningIngest = await startIngest({
    bus,
    sites: o.sites,
    logger: logger.child({ component: 'ingest' }),
    registry: registry('ingest'),
    ...(o.clock ? { clock: o.clock } : {}),
    options: { ...pipelineOptionsFromEnv(ingestEnv), ...o.ingestOptions },
    tcp: { port: env.HJ212_TCP_PORT, host: '0.0.0.0' },
    mqtt: { url: mqttUrl, protocol: 'auto', shared: broker ? 'never' : ingestEnv.INGEST_MQTT_SHARED, group: ingestEnv.INGEST_MQTT_GROUP, topicPrefix: ingestEnv.INGEST_MQTT_TOPIC_PREFIX },
  });

  // Shutdown order: stop taking packets, let the consumers drain what the bus holds (an
  // in-memory bus dies with the process), then stop consumers (each commits), then close.
  stopSteps.push(
    ['ingest: stop taking packets, flush to the bus', () => ingest.stop()],
    ['drain the bus', () => drain([archiver.lag, detect.lag, () => anomalyConsumer.lag()], 20_000)],
    ['detect: stop, save state', () => detect.stop()],
    ['drain leads', () => drain([() => anomalyConsumer.lag()], 10_000)],
    ['archive: stop', () => archiver.stop()],
    ['leads: stop consumer, relay the outbox', async () => {
      await anomalyConsumer.stop();
      clearInterval(relayTimer);
      await leadService.relayEvents();
    }],
    ['webhooks: stop', () => webhooks.stop()],
    ['bus: close', () => bus.close()],
    ['series store: flush and close', () => seriesStore.close()],
    ['lead store: close', () => leadStore.close()],
    ['pglite: close', async () => void (await pglite?.close())],
    ['mqtt broker: close', async () => void (await broker?.close())],
  );

  async function health(): Promise<Record<string, DependencyHealth>> {
    const [busH, series, leads, ing] = await Promise.all([bus.health(), seriesStore.health(), leadStore.health(), ingest.health()]);
    return {
      bus: { ...busH, detail: busH.detail ?? bus.kind },
      seriesStore: { ...series, detail: series.detail ?? seriesStore.kind },
      leadStore: leads,
      ...Object.fromEntries(Object.entries(ing).map(([k, v]) => [`ingest.${k}`, v])),
      mqttBroker: broker ? { ok: true, detail: `embedded aedes on ${broker.port}` } : { ok: true, detail: 'external' },
    };
  }

  return {
    bus,
    seriesStore,
    leadStore,
    leadService,
    ingest,
    detect,
    archiver,
    admin,
    mqttUrl,
    registries,
    health,
    stopSteps,
  };
}

async function drain(lags: Array<() => Promise<number>>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pending = (await Promise.all(lags.map((l) => l()))).reduce((a, b) => a + b, 0);
    if (pending === 0 || Date.now() > end) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export type Stack = Awaited<ReturnType<typeof startStack>>;
