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
  /**
   * The payload. Text is sent as its UTF-8 bytes: a producer holding a string (JSON) hands it over
   * as is, sparing a copy into a Buffer that the Kafka client would copy again. Consumers always
   * get bytes.
   */
  value: Buffer | string;
  headers?: Record<string, string>;
  /** Producer-side timestamp, epoch ms (set by the adapter when absent). */
  timestamp?: number;
}

export interface ConsumedMessage extends BusMessage {
  value: Buffer;
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
  /**
   * Where a group with no committed offset starts: the earliest retained message, or (default)
   * the end of the log at the moment consume() is called; consume() resolves once the member has
   * joined, so anything sent after it resolves is delivered.
   */
  fromBeginning?: boolean;
  /**
   * Called once per batch (one topic-partition, in offset order); offsets up to the last message
   * are committed after it resolves. A throw is logged and the same batch is handed again after a
   * backoff (100 ms doubling to 5 s), so a poison message blocks its partition: dead-letter it
   * inside the handler rather than throwing forever.
   */
  eachBatch: (batch: ConsumedBatch) => Promise<void>;
  /** Upper bound on messages in one batch (adapters may deliver fewer). */
  maxBatchSize?: number;
  /**
   * Partitions handled at once by this member (default 1). Per-key order holds (a key stays in
   * one partition); a handler with slow I/O (a database write) overlaps its round trips.
   */
  concurrency?: number;
}

export interface Consumer {
  /** Stops fetching, waits for the batch in hand to finish and commit, then leaves the group. */
  stop(): Promise<void>;
  /** Messages produced but not yet committed by this group, summed over its partitions (still answers after stop()). */
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
