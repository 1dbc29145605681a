import { createLogger, type Logger } from '@offsite/runtime';
import { z } from 'zod';
import { defaultHandlerRetry, handleWithRetry, InterruptibleSleep } from '../handler-retry.js';
import { partitionForKey } from '../partitioner.js';
import type { Bus, BusMessage, ConsumedBatch, ConsumedMessage, ConsumeOptions, Consumer, TopicSpec } from '../port.js';
import { validateConsumeOptions, validateSend, validateTopicSpecs } from '../validate.js';
import { ConsumerGroup, type Assignment, type GroupMember } from './group.js';
import { TopicLog } from './log.js';

export const MemoryBusOptions = z.object({
  /** Partitions of a topic first named by send/consume instead of ensureTopics (Kafka's num.partitions). */
  defaultPartitions: z.number().int().positive().default(1),
  /**
   * Messages kept per partition once every active group has committed them (so a new group with
   * fromBeginning still finds history). Messages an active group has not committed are never
   * trimmed; a group with no running member is protected only up to this count (Kafka retention).
   */
  retentionPerPartition: z.number().int().positive().default(100_000),
  /**
   * Backpressure: `send` awaits while any active group has this many or more uncommitted messages
   * on a target partition, so a stalled consumer bounds memory instead of growing it.
   */
  maxUncommittedPerPartition: z.number().int().positive().default(50_000),
  /** Batch size when ConsumeOptions.maxBatchSize is not given. */
  defaultMaxBatchSize: z.number().int().positive().default(500),
  handlerRetry: z
    .object({ initialMs: z.number().positive(), maxMs: z.number().positive() })
    .default(defaultHandlerRetry),
});
export type MemoryBusOptions = z.input<typeof MemoryBusOptions> & { logger?: Logger };

/** The in-memory bus also reports what it retains (tests and /metrics). */
export interface MemoryBus extends Bus {
  readonly kind: 'memory';
  /** Retained message count per partition of `topic`. */
  retained(topic: string): number[];
}

class Signal {
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

class Member implements GroupMember {
  assignment: Assignment[] = [];
  running = true;
  cursor = 0;
  loop: Promise<void> = Promise.resolve();
  stopped: Promise<void> | undefined;
  readonly sleeper = new InterruptibleSleep();

  constructor(
    readonly memberId: number,
    readonly topics: readonly string[],
    readonly group: ConsumerGroup,
    readonly options: ConsumeOptions,
    readonly maxBatchSize: number,
  ) {}
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class InMemoryBus implements MemoryBus {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly members = new Set<Member>();
  private readonly signal = new Signal();
  private nextMemberId = 1;
  private closed = false;

  constructor(
    private readonly options: z.output<typeof MemoryBusOptions>,
    private readonly logger: Logger,
  ) {}

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    for (const spec of validateTopicSpecs(specs)) {
      const existing = this.topics.get(spec.name);
      if (!existing) {
        this.topics.set(spec.name, new TopicLog(spec.name, spec.partitions));
      } else if (existing.partitions.length < spec.partitions) {
        // Same as Kafka: partitions can grow, never shrink; keys may move to new partitions.
        this.logger.warn({ topic: spec.name, from: existing.partitions.length, to: spec.partitions }, 'growing topic partitions');
        existing.grow(spec.partitions);
        for (const group of this.groups.values()) group.rebalance(this.topics);
      }
    }
    this.signal.notify();
  }

  async send(topic: string, messages: BusMessage[]): Promise<void> {
    this.assertOpen();
    validateSend(topic, messages);
    if (messages.length === 0) return;
    const log = this.topicFor(topic);
    const count = log.partitions.length;
    const targets = messages.map((m) => (m.key === null ? log.nextUnkeyed++ % count : partitionForKey(m.key, count)));
    for (const p of new Set(targets)) {
      while (this.backlog(topic, p) >= this.options.maxUncommittedPerPartition) {
        await this.signal.wait();
        this.assertOpen();
      }
    }
    const now = Date.now();
    messages.forEach((m, i) => {
      const p = targets[i]!;
      const partition = log.partitions[p]!;
      const consumed: ConsumedMessage = {
        topic,
        partition: p,
        offset: String(partition.end),
        key: m.key,
        value: typeof m.value === 'string' ? Buffer.from(m.value) : m.value,
        timestamp: m.timestamp ?? now,
      };
      if (m.headers) consumed.headers = { ...m.headers };
      partition.messages.push(consumed);
    });
    for (const p of new Set(targets)) this.trim(topic, p);
    this.signal.notify();
  }

  async consume(raw: ConsumeOptions): Promise<Consumer> {
    this.assertOpen();
    const options = validateConsumeOptions(raw);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup(options.groupId);
      this.groups.set(options.groupId, group);
    }
    for (const name of options.topics) group.initOffsets(this.topicFor(name), options.fromBeginning ?? false);
    const member = new Member(this.nextMemberId++, options.topics, group, options, options.maxBatchSize ?? this.options.defaultMaxBatchSize);
    group.join(member, this.topics);
    this.members.add(member);
    member.loop = this.run(member);
    this.signal.notify();
    return { stop: () => this.stopMember(member), lag: async () => this.lag(member) };
  }

  async health(): Promise<{ ok: boolean; detail?: string }> {
    if (this.closed) return { ok: false, detail: 'memory bus closed' };
    return { ok: true, detail: `memory bus: ${this.topics.size} topics, ${this.members.size} consumers` };
  }

  async close(): Promise<void> {
    await Promise.all([...this.members].map((m) => this.stopMember(m)));
    this.closed = true;
    this.signal.notify();
  }

  retained(topic: string): number[] {
    return this.topics.get(topic)?.partitions.map((p) => p.messages.length) ?? [];
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory bus is closed');
  }

  /** Topics named before ensureTopics are created like Kafka's auto-create does. */
  private topicFor(name: string): TopicLog {
    let log = this.topics.get(name);
    if (!log) {
      log = new TopicLog(name, this.options.defaultPartitions);
      this.topics.set(name, log);
      for (const group of this.groups.values()) group.rebalance(this.topics);
    }
    return log;
  }

  /** Largest uncommitted count on one partition over the groups that have a running member on the topic. */
  private backlog(topic: string, partition: number): number {
    const log = this.topics.get(topic)!.partitions[partition]!;
    let worst = 0;
    for (const group of this.groups.values()) {
      if (!group.subscribes(topic)) continue;
      worst = Math.max(worst, log.end - (group.committedOffset(topic, partition) ?? log.end));
    }
    return worst;
  }

  private trim(topic: string, partition: number): void {
    const log = this.topics.get(topic)!.partitions[partition]!;
    const retention = this.options.retentionPerPartition;
    // Trim in steps of ~10 % so the splice cost is amortised.
    if (log.messages.length <= retention + Math.max(1, Math.floor(retention / 10))) return;
    let floor = log.end - retention;
    for (const group of this.groups.values()) {
      if (group.subscribes(topic)) floor = Math.min(floor, group.committedOffset(topic, partition) ?? log.base);
    }
    log.trimTo(floor);
  }

  private lag(member: Member): number {
    let total = 0;
    for (const name of member.topics) {
      this.topics.get(name)?.partitions.forEach((log, p) => {
        total += log.end - (member.group.committedOffset(name, p) ?? (member.options.fromBeginning ? log.base : log.end));
      });
    }
    return total;
  }

  private takeWork(member: Member): ConsumedBatch | undefined {
    const { assignment, group } = member;
    for (let i = 0; i < assignment.length; i++) {
      const { topic, partition } = assignment[(member.cursor + i) % assignment.length]!;
      const topicLog = this.topics.get(topic)!;
      const log = topicLog.partitions[partition]!;
      if (group.committedOffset(topic, partition) === undefined) group.initOffsets(topicLog, member.options.fromBeginning ?? false);
      let offset = group.committedOffset(topic, partition)!;
      if (offset < log.base) {
        // Only a group without a running member can fall behind retention (as in Kafka).
        this.logger.warn({ topic, partition, groupId: group.groupId, committed: offset, earliest: log.base }, 'committed offset was trimmed; resuming at the earliest retained message');
        group.commit(topic, partition, log.base);
        offset = log.base;
      }
      if (offset >= log.end || !group.tryTake(topic, partition)) continue;
      member.cursor = (member.cursor + i + 1) % assignment.length;
      return { topic, partition, messages: log.read(offset, member.maxBatchSize) };
    }
    return undefined;
  }

  private async run(member: Member): Promise<void> {
    const { group } = member;
    while (member.running) {
      const batch = this.takeWork(member);
      if (!batch) {
        await this.signal.wait();
        continue;
      }
      const { topic, partition, messages } = batch;
      try {
        const handled = await handleWithRetry(() => member.options.eachBatch(batch), {
          policy: this.options.handlerRetry,
          logger: this.logger,
          describe: { groupId: group.groupId, topic, partition, firstOffset: messages[0]!.offset, count: messages.length },
          shouldContinue: () => member.running,
          sleep: (ms) => member.sleeper.sleep(ms),
        });
        if (handled) {
          group.commit(topic, partition, Number(messages[messages.length - 1]!.offset) + 1);
          this.trim(topic, partition);
        }
      } finally {
        group.release(topic, partition);
        this.signal.notify();
      }
      // A handler that resolves at once must not starve producers and timers.
      await yieldToEventLoop();
    }
  }

  private stopMember(member: Member): Promise<void> {
    if (member.stopped) return member.stopped;
    member.running = false;
    member.sleeper.interrupt();
    // Leave first so other members take the remaining partitions; the batch in hand keeps its
    // partition locked until it commits (or is abandoned), so nothing is handled twice.
    member.group.leave(member, this.topics);
    this.signal.notify();
    member.stopped = member.loop.finally(() => {
      this.members.delete(member);
      this.signal.notify();
    });
    return member.stopped;
  }
}

/** The embedded bus for the all-in-one: Kafka's semantics (see port.ts) inside one process. */
export function createMemoryBus(options: MemoryBusOptions = {}): MemoryBus {
  const { logger, ...rest } = options;
  const parsed = MemoryBusOptions.safeParse(rest);
  if (!parsed.success) {
    throw new TypeError(`invalid memory bus options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return new InMemoryBus(parsed.data, logger ?? createLogger('bus-memory'));
}
