import { createLogger, type Logger } from '@offsite/runtime';
import { CompressionTypes, Kafka, Partitioners, type Admin, type Producer } from 'kafkajs';
import { z } from 'zod';
import { defaultHandlerRetry } from '../handler-retry.js';
import type { Bus, BusMessage, ConsumeOptions, Consumer, TopicSpec } from '../port.js';
import { validateConsumeOptions, validateSend, validateTopicSpecs } from '../validate.js';
import { startKafkaConsumer } from './kafka-consumer.js';
import { kafkaLevelFor, pinoLogCreator } from './kafka-logger.js';
import { toKafkaMessage } from './kafka-message.js';

const brokerAddress = z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'a broker is host:port');

export const KafkaBusOptions = z.object({
  brokers: z.array(brokerAddress).min(1),
  clientId: z.string().min(1),
  /** Idempotent producer (acks=all, no duplicates from producer retries). */
  idempotent: z.boolean().default(true),
  /** gzip costs CPU on both sides; readings are small JSON, so off unless asked. */
  compression: z.enum(['none', 'gzip']).default('none'),
  /** Replication factor of topics ensureTopics creates; absent = the broker's default. */
  replicationFactor: z.number().int().positive().optional(),
  connectionTimeoutMs: z.number().int().positive().default(3_000),
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /**
   * Client retries (connections, metadata, fetch, commit): with these defaults a consumer or
   * admin rides out ~2 minutes of broker absence (a restart takes seconds). The idempotent
   * producer retries without limit (kafkajs's rule for idempotence), so `send` waits through an
   * outage rather than failing; race it against a timer where a deadline matters.
   */
  retry: z
    .object({
      initialRetryTime: z.number().int().positive().default(300),
      maxRetryTime: z.number().int().positive().default(5_000),
      retries: z.number().int().nonnegative().default(30),
    })
    .prefault({}),
  sessionTimeoutMs: z.number().int().positive().default(30_000),
  heartbeatIntervalMs: z.number().int().positive().default(3_000),
  /** Long-poll bound; also bounds how long stop() waits for an idle fetch. */
  maxWaitTimeMs: z.number().int().positive().default(500),
  joinTimeoutMs: z.number().int().positive().default(60_000),
  healthTimeoutMs: z.number().int().positive().default(2_000),
  defaultMaxBatchSize: z.number().int().positive().default(1_000),
  handlerRetry: z.object({ initialMs: z.number().positive(), maxMs: z.number().positive() }).default(defaultHandlerRetry),
});
export type KafkaBusOptions = z.input<typeof KafkaBusOptions> & { logger?: Logger };

function timeout<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, expiry]).finally(() => clearTimeout(timer));
}

/** Connects once, on first use; a failed connect is retried on the next use. */
function lazy<T>(connect: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= connect().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

class KafkaBus implements Bus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly admin: () => Promise<Admin>;
  private readonly producer: () => Promise<Producer>;
  private readonly consumers = new Set<Consumer>();
  private adminClient: Admin | undefined;
  private producerClient: Producer | undefined;
  private closed = false;

  constructor(
    private readonly options: z.output<typeof KafkaBusOptions>,
    private readonly logger: Logger,
  ) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      retry: options.retry,
      logLevel: kafkaLevelFor(logger.level),
      logCreator: pinoLogCreator(logger),
    });
    this.admin = lazy(async () => {
      const admin = this.kafka.admin({ retry: options.retry });
      await admin.connect();
      this.adminClient = admin;
      return admin;
    });
    this.producer = lazy(async () => {
      const producer = this.kafka.producer({
        idempotent: options.idempotent,
        // Idempotence keeps order with up to 5 in flight; without it, 1 keeps per-key order under retries.
        maxInFlightRequests: options.idempotent ? 5 : 1,
        allowAutoTopicCreation: true,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: options.idempotent ? { ...options.retry, retries: Number.MAX_SAFE_INTEGER } : options.retry,
      });
      await producer.connect();
      this.producerClient = producer;
      return producer;
    });
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const wanted = validateTopicSpecs(specs);
    if (wanted.length === 0) return;
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, ...(this.options.replicationFactor ? { replicationFactor: this.options.replicationFactor } : {}) })),
      });
    }
    const present = wanted.filter((t) => existing.has(t.name));
    if (present.length === 0) return;
    const { topics } = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const grow = present.filter((t) => (topics.find((m) => m.name === t.name)?.partitions.length ?? 0) < t.partitions);
    if (grow.length > 0) {
      this.logger.warn({ topics: grow }, 'growing topic partitions: keys may move to new partitions');
      await admin.createPartitions({ topicPartitions: grow.map((t) => ({ topic: t.name, count: t.partitions })) });
    }
  }

  async send(topic: string, messages: BusMessage[]): Promise<void> {
    if (this.closed) throw new Error('kafka bus is closed');
    validateSend(topic, messages);
    if (messages.length === 0) return;
    const producer = await this.producer();
    const now = Date.now();
    await producer.send({
      topic,
      acks: -1,
      compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      messages: messages.map((m) => toKafkaMessage(m, now)),
    });
  }

  async consume(raw: ConsumeOptions): Promise<Consumer> {
    if (this.closed) throw new Error('kafka bus is closed');
    const options = validateConsumeOptions(raw);
    const started = await startKafkaConsumer(this.kafka, this.admin, options, this.options, this.logger);
    const consumer: Consumer = {
      stop: async () => {
        await started.stop();
        this.consumers.delete(consumer);
      },
      lag: () => started.lag(),
    };
    this.consumers.add(consumer);
    return consumer;
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    try {
      const cluster = await timeout(this.options.healthTimeoutMs, 'kafka describeCluster', this.admin().then((a) => a.describeCluster()));
      return { ok: true, detail: `kafka cluster ${cluster.clusterId}: ${cluster.brokers.length} broker(s), controller ${cluster.controller}` };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([this.producerClient?.disconnect(), this.adminClient?.disconnect()]);
  }
}

/** The production bus: Kafka through kafkajs (acks=all, commit-after-handle consumers). */
export function createKafkaBus(options: KafkaBusOptions): Bus {
  const { logger, ...rest } = options;
  const parsed = KafkaBusOptions.safeParse(rest);
  if (!parsed.success) {
    throw new TypeError(`invalid kafka bus options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return new KafkaBus(parsed.data, logger ?? createLogger('bus-kafka'));
}
