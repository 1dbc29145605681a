import { Topics, topicSpec, type SiteIndex } from '@offsite/domain';
import type { Bus } from '@offsite/bus';
import type { DependencyHealth, Logger, Registry } from '@offsite/runtime';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { startMqttIngest, type MqttIngest, type MqttIngestOptions } from './mqtt.js';
import type { IngestOptions } from './options.js';
import { createIngestPipeline, type IngestPipeline, type IngestTopics } from './pipeline.js';
import { startTcpIngest, type TcpIngest, type TcpIngestOptions } from './tcp.js';

export interface StartIngestOptions {
  bus: Bus;
  sites: SiteIndex;
  logger: Logger;
  /** The service's registry (createMetrics); ingest registers its metrics on it. */
  registry: Registry;
  clock?: () => number;
  options?: Partial<IngestOptions>;
  /** Omit to run without MQTT. */
  mqtt?: Omit<MqttIngestOptions, 'pipeline' | 'logger' | 'metrics'>;
  /** Omit to run without the TCP port. */
  tcp?: Omit<TcpIngestOptions, 'pipeline' | 'logger' | 'metrics'>;
  /** Output topic names (default: the contract's). */
  topics?: Partial<IngestTopics>;
  /** Partitions of emissions.readings.v1 when ingest creates it. */
  readingPartitions?: number;
}

export interface RunningIngest {
  pipeline: IngestPipeline;
  metrics: IngestMetrics;
  tcp: TcpIngest | null;
  mqtt: MqttIngest | null;
  health(): Promise<Record<string, DependencyHealth>>;
  /** Stop taking packets, flush what is in hand to the bus, then disconnect. Does not close the bus. */
  stop(): Promise<void>;
}

/** Everything ingest runs, for main.ts and for the all-in-one (embedded aedes + memory bus). */
export async function startIngest(o: StartIngestOptions): Promise<RunningIngest> {
  const metrics = createIngestMetrics(o.registry);
  const topics: IngestTopics = { readings: Topics.readings, deadletter: Topics.deadletter, deviceStatus: Topics.deviceStatus, ...o.topics };
  await o.bus.ensureTopics([
    { name: topics.readings, partitions: o.readingPartitions ?? topicSpec(Topics.readings).partitions },
    { name: topics.deadletter, partitions: topicSpec(Topics.deadletter).partitions },
    { name: topics.deviceStatus, partitions: topicSpec(Topics.deviceStatus).partitions },
  ]);
  const pipeline = createIngestPipeline({ bus: o.bus, sites: o.sites, logger: o.logger, metrics, clock: o.clock, options: o.options, topics });
  let tcp: TcpIngest | null = null;
  let mqtt: MqttIngest | null = null;
  try {
    if (o.tcp) tcp = await startTcpIngest({ ...o.tcp, pipeline, logger: o.logger, metrics, maxFrameBytes: o.tcp.maxFrameBytes ?? o.options?.maxFrameBytes });
    if (o.mqtt) mqtt = await startMqttIngest({ ...o.mqtt, pipeline, logger: o.logger, metrics });
  } catch (err) {
    await tcp?.close();
    await pipeline.close();
    throw err;
  }
  let stopped = false;
  return {
    pipeline,
    metrics,
    tcp,
    mqtt,
    async health() {
      const bus = await o.bus.health();
      const deps: Record<string, DependencyHealth> = { bus };
      if (mqtt) deps.mqtt = mqtt.connected ? { ok: true } : { ok: false, detail: 'not connected to the broker' };
      if (tcp) deps.tcp = { ok: true, detail: `port ${tcp.port}, ${tcp.connections} connection(s)` };
      return deps;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all([tcp?.close(), mqtt?.close()]);
      await pipeline.close();
    },
  };
}
