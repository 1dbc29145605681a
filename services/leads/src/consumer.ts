import { Anomaly, Topics, type DeadLetter } from '@offsite/domain';
import type { Bus, BusMessage, ConsumedBatch, ConsumedMessage, Consumer } from '@offsite/bus';
import type { Logger } from '@offsite/runtime';
import type { AbsorbOutcome } from '@offsite/lead-store';
import type { LeadService } from './service.js';

export interface AnomalyHandlerOptions {
  service: Pick<LeadService, 'absorb'>;
  bus: Pick<Bus, 'send'>;
  logger: Logger;
  clock?: () => number;
  /** Called with each batch's outcomes (metrics, tests). */
  onOutcomes?: (outcomes: AbsorbOutcome[], deadLettered: number) => void;
}

const RAW_LIMIT = 64 * 1024;

function deadLetter(m: ConsumedMessage, code: string, message: string, now: number): BusMessage {
  const raw = m.value.toString('utf8');
  const dl: DeadLetter = {
    source: 'leads',
    receivedAt: now,
    raw: raw.length > RAW_LIMIT ? raw.slice(0, RAW_LIMIT) : raw,
    error: { code, message: `${message} (topic ${m.topic} partition ${m.partition} offset ${m.offset})` },
  };
  return { key: m.key, value: Buffer.from(JSON.stringify(dl)), headers: { 'x-origin-topic': m.topic, 'x-origin-offset': m.offset } };
}

/**
 * Handler for supervision.anomalies.v1 batches. Bad messages go to emissions.deadletter.v1 with
 * the reason and are never retried (they would block the partition); valid ones are absorbed in
 * one store transaction. The bus commits the batch only after this resolves, so a crash
 * mid-batch redelivers it, and the store's idempotent upserts make that harmless.
 */
export function createAnomalyBatchHandler(opts: AnomalyHandlerOptions): (batch: ConsumedBatch) => Promise<void> {
  const clock = opts.clock ?? Date.now;
  const log = opts.logger.child({ component: 'anomaly-consumer' });
  return async (batch) => {
    const valid: Anomaly[] = [];
    const dead: BusMessage[] = [];
    for (const m of batch.messages) {
      let data: unknown;
      try {
        data = JSON.parse(m.value.toString('utf8'));
      } catch (err) {
        dead.push(deadLetter(m, 'invalid-json', `not JSON: ${(err as Error).message}`, clock()));
        continue;
      }
      const parsed = Anomaly.safeParse(data);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
        dead.push(deadLetter(m, 'invalid-anomaly', `not a valid Anomaly: ${issues}`, clock()));
        continue;
      }
      valid.push(parsed.data);
    }
    if (dead.length) {
      await opts.bus.send(Topics.deadletter, dead);
      log.warn({ count: dead.length, partition: batch.partition }, 'anomalies dead-lettered');
    }
    const outcomes = valid.length ? await opts.service.absorb(valid) : [];
    const counts: Record<string, number> = {};
    for (const o of outcomes) counts[o.result] = (counts[o.result] ?? 0) + 1;
    if (outcomes.length) log.debug({ partition: batch.partition, ...counts }, 'anomalies absorbed');
    opts.onOutcomes?.(outcomes, dead.length);
  };
}

export interface AnomalyConsumerOptions extends AnomalyHandlerOptions {
  bus: Bus;
  groupId?: string;
  /** Default supervision.anomalies.v1 (tests use their own topic). */
  topic?: string;
  fromBeginning?: boolean;
  maxBatchSize?: number;
}

/** Join group `leads` on supervision.anomalies.v1. */
export async function startAnomalyConsumer(opts: AnomalyConsumerOptions): Promise<Consumer> {
  return opts.bus.consume({
    groupId: opts.groupId ?? 'leads',
    topics: [opts.topic ?? Topics.anomalies],
    fromBeginning: opts.fromBeginning ?? true,
    maxBatchSize: opts.maxBatchSize ?? 500,
    eachBatch: createAnomalyBatchHandler(opts),
  });
}
