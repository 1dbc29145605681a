import type { Logger } from '@offsite/runtime';
import type { Admin, Consumer as KafkaJsConsumer, EachBatchPayload, Kafka, RetryOptions } from 'kafkajs';
import { handleWithRetry, InterruptibleSleep, type HandlerRetryPolicy } from '../handler-retry.js';
import type { ConsumeOptions, Consumer } from '../port.js';
import { fromKafkaMessage } from './kafka-message.js';

export interface KafkaConsumerSettings {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxWaitTimeMs: number;
  joinTimeoutMs: number;
  defaultMaxBatchSize: number;
  handlerRetry: HandlerRetryPolicy;
  retry: RetryOptions;
}

type StartOffsets = Map<string, Map<number, string>>;

/** Committed offset per partition of a group; "-1" when none. */
async function committedOffsets(admin: Admin, groupId: string, topics: string[]): Promise<Map<string, Map<number, string>>> {
  const result = new Map<string, Map<number, string>>();
  for (const t of await admin.fetchOffsets({ groupId, topics })) {
    result.set(t.topic, new Map(t.partitions.map((p) => [p.partition, p.offset])));
  }
  return result;
}

/**
 * "Latest" for a new group means the end of the log when consume() is called (as in the memory
 * bus), not whenever kafkajs happens to first fetch; so the end offsets of partitions without a
 * commit are read here and seeked to (and committed) when the partitions are first assigned.
 */
async function latestForUncommitted(admin: Admin, groupId: string, topics: string[], logger: Logger): Promise<StartOffsets> {
  const committed = await committedOffsets(admin, groupId, topics);
  const starts: StartOffsets = new Map();
  for (const topic of topics) {
    let ends;
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } catch (error) {
      // Topic not created yet: it is empty, so kafkajs's own "latest" loses nothing.
      logger.debug({ topic, err: error }, 'no end offsets for topic yet');
      continue;
    }
    const perPartition = new Map<number, string>();
    for (const e of ends) {
      if ((committed.get(topic)?.get(e.partition) ?? '-1') === '-1') perPartition.set(e.partition, e.high);
    }
    starts.set(topic, perPartition);
  }
  return starts;
}

export async function startKafkaConsumer(kafka: Kafka, admin: () => Promise<Admin>, options: ConsumeOptions, settings: KafkaConsumerSettings, logger: Logger): Promise<Consumer> {
  const { groupId, topics, eachBatch } = options;
  const fromBeginning = options.fromBeginning ?? false;
  const maxBatchSize = options.maxBatchSize ?? settings.defaultMaxBatchSize;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const log = logger.child({ groupId });
  const consumer: KafkaJsConsumer = kafka.consumer({
    groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxWaitTimeInMs: settings.maxWaitTimeMs,
    // Larger fetches make larger batches: fewer handler round trips (e.g. database writes).
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 32 * 1024 * 1024,
    retry: settings.retry,
    allowAutoTopicCreation: true,
  });
  const sleeper = new InterruptibleSleep();
  let stopping = false;

  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning });
  const starts = fromBeginning ? new Map() : await latestForUncommitted(await admin(), groupId, topics, log);

  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumer group ${groupId}: not joined within ${settings.joinTimeoutMs} ms`)), settings.joinTimeoutMs);
    const offCrash = consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) reject(event.payload.error);
    });
    const offJoin = consumer.on(consumer.events.GROUP_JOIN, (event) => {
      offJoin();
      offCrash();
      clearTimeout(timer);
      const pins: Array<{ topic: string; partition: number; offset: string }> = [];
      for (const [topic, partitions] of Object.entries(event.payload.memberAssignment)) {
        for (const partition of partitions) {
          const offset = starts.get(topic)?.get(partition);
          if (offset === undefined) continue;
          consumer.seek({ topic, partition, offset }); // applied before the first fetch
          pins.push({ topic, partition, offset });
        }
      }
      if (pins.length === 0) resolve();
      else consumer.commitOffsets(pins).then(resolve, reject);
    });
  });

  const handle = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    const { topic, partition } = batch;
    const all = batch.messages;
    for (let i = 0; i < all.length; i += maxBatchSize) {
      // Stop or revocation: leave the rest uncommitted for whoever owns the partition next.
      if (stopping || !isRunning() || isStale()) return;
      const chunk = all.slice(i, i + maxBatchSize);
      const messages = chunk.map((m) => fromKafkaMessage(topic, partition, m));
      const handled = await handleWithRetry(() => eachBatch({ topic, partition, messages }), {
        policy: settings.handlerRetry,
        logger: log,
        describe: { topic, partition, firstOffset: messages[0]!.offset, count: messages.length },
        shouldContinue: () => !stopping && isRunning() && !isStale(),
        sleep: (ms) => sleeper.sleep(ms),
        beforeRetry: heartbeat,
      });
      if (!handled) return;
      const last = chunk[chunk.length - 1]!.offset;
      resolveOffset(last);
      await consumer.commitOffsets([{ topic, partition, offset: (BigInt(last) + 1n).toString() }]);
      if (!stopping) await heartbeat();
    }
  };

  // kafkajs's disconnect does not reliably wait for the eachBatch in hand, so stop() waits for them.
  const inHand = new Set<Promise<void>>();
  const eachKafkaBatch = async (payload: EachBatchPayload) => {
    const run = handle(payload);
    inHand.add(run);
    try {
      await run;
    } finally {
      inHand.delete(run);
    }
  };

  await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch: eachKafkaBatch });
  try {
    await joined;
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    stop() {
      if (!stopped) {
        stopping = true;
        sleeper.interrupt();
        // Finish and commit the chunk in hand while still a member, then leave the group.
        stopped = Promise.allSettled([...inHand])
          .then((results) => {
            for (const r of results) if (r.status === 'rejected') log.warn({ err: r.reason }, 'batch in hand failed during stop; left uncommitted');
          })
          .then(() => consumer.disconnect());
      }
      return stopped;
    },
    async lag() {
      const a = await admin();
      const committed = await committedOffsets(a, groupId, topics);
      let total = 0;
      for (const topic of topics) {
        for (const e of await a.fetchTopicOffsets(topic)) {
          const c = committed.get(topic)?.get(e.partition) ?? '-1';
          const from = c !== '-1' ? c : (starts.get(topic)?.get(e.partition) ?? (fromBeginning ? e.low : e.high));
          total += Math.max(0, Number(e.high) - Number(from));
        }
      }
      return total;
    },
  };
}
