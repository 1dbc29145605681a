import { decodeReadingBatch, Topics, type DeadLetter, type SiteIndex } from '@offsite/domain';
import type { Bus, ConsumedBatch, Consumer } from '@offsite/bus';
import type { SeriesStore } from '@offsite/series-store';
import { Counter, Histogram, type Logger, type Registry } from '@offsite/runtime';
import { toSeriesPoints } from './to-points.js';

export interface ArchiverDeps {
  bus: Bus;
  store: SeriesStore;
  sites: SiteIndex;
  logger: Logger;
  registry: Registry;
  groupId?: string;
  maxBatchSize?: number;
  /** Partitions written at once (default 4). */
  concurrency?: number;
  /** Input topic (default the contract's emissions.readings.v1; benchmarks use their own). */
  topic?: string;
}

/**
 * Consumes `emissions.readings.v1` and writes every reading to the SeriesStore. The batch's
 * offsets are committed (by the Bus) only after the store acknowledged the write, so a crash
 * replays, and the store's (kind, mn, pollutant, time) key makes the replay a no-op. A message
 * that is not a ReadingBatch goes to the dead-letter topic instead of blocking the partition.
 */
export function createArchiver(deps: ArchiverDeps) {
  const points = new Counter({ name: 'archive_points_written_total', help: 'Points written to the series store', registers: [deps.registry] });
  const poison = new Counter({ name: 'archive_deadletters_total', help: 'Messages sent to the dead-letter topic', registers: [deps.registry] });
  const writeSeconds = new Histogram({ name: 'archive_write_seconds', help: 'Series store write latency per consumed batch', registers: [deps.registry], buckets: [0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
  let consumer: Consumer | null = null;

  async function handle(batch: ConsumedBatch): Promise<void> {
    const out = [];
    const dead: DeadLetter[] = [];
    for (const msg of batch.messages) {
      const text = msg.value.toString('utf8');
      const decoded = decodeReadingBatch(text);
      if (!decoded.ok) {
        dead.push(deadLetter(text, decoded.error.code, decoded.error.message, msg.offset, batch.partition));
        continue;
      }
      out.push(...toSeriesPoints(decoded.batch, deps.sites.get(decoded.batch.mn)));
    }
    if (out.length) {
      const end = writeSeconds.startTimer();
      await deps.store.write(out);
      end();
      points.inc(out.length);
    }
    if (dead.length) {
      await deps.bus.send(Topics.deadletter, dead.map((d) => ({ key: null, value: Buffer.from(JSON.stringify(d)) })));
      poison.inc(dead.length);
      deps.logger.warn({ count: dead.length, partition: batch.partition }, 'poison messages sent to the dead-letter topic');
    }
  }

  return {
    handle,
    async start(): Promise<void> {
      consumer = await deps.bus.consume({
        groupId: deps.groupId ?? 'archive',
        topics: [deps.topic ?? Topics.readings],
        fromBeginning: true,
        maxBatchSize: deps.maxBatchSize ?? 5000,
        // Partitions in parallel: InfluxDB round trips overlap (each partition still in order).
        concurrency: deps.concurrency ?? 4,
        eachBatch: handle,
      });
    },
    async lag(): Promise<number> {
      return consumer ? consumer.lag() : 0;
    },
    /** Finishes the batch in hand, commits it, leaves the group. */
    async stop(): Promise<void> {
      await consumer?.stop();
      consumer = null;
    },
  };
}

function deadLetter(raw: string, code: string, message: string, offset: string, partition: number): DeadLetter {
  return {
    source: 'archive',
    receivedAt: Date.now(),
    raw,
    error: { code, message: `${Topics.readings} partition ${partition} offset ${offset}: ${message}` },
  };
}

export type Archiver = ReturnType<typeof createArchiver>;
