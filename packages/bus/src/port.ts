/**
 * The Bus port: keyed messages on named topics, consumed by groups with commit-after-handle.
 * Adapters: Kafka (kafkajs) and in-memory; both pass test/contract.ts.
 *
 * Semantics every adapter keeps:
 * - per-key order within a topic (messages with one key go to one partition);
 * - at-least-once: a batch's offsets are committed only after its handler resolves; a handler
 *   that throws (or a consumer that stops before commit) gets the batch again;
 * - group members share partitions; one group sees every message once per commit.
 */
export interface BusMessage {
  key: string | null;
  value: Buffer;
  headers?: Record<string, string>;
  /** Producer-side timestamp, epoch ms (set by the adapter when absent). */
  timestamp?: number;
}

export interface ConsumedMessage extends BusMessage {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  messages: ConsumedMessage[];
}

export interface TopicSpec {
  name: string;
  partitions: number;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. */
  fromBeginning?: boolean;
  /** Called once per batch; offsets up to the last message are committed after it resolves. */
  eachBatch: (batch: ConsumedBatch) => Promise<void>;
  /** Upper bound on messages in one batch (adapters may deliver fewer). */
  maxBatchSize?: number;
}

export interface Consumer {
  /** Stops fetching, waits for the batch in hand to finish and commit, then leaves the group. */
  stop(): Promise<void>;
  /** Messages produced but not yet committed by this group, summed over its partitions. */
  lag(): Promise<number>;
}

export interface Bus {
  readonly kind: 'kafka' | 'memory';
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Resolves once the messages are durably accepted (Kafka: acks=all). */
  send(topic: string, messages: BusMessage[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<Consumer>;
  /** For /healthz. */
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
