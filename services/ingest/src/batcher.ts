import type { Bus, BusMessage } from '@offsite/bus';
import type { Logger } from '@offsite/runtime';
import type { IngestMetrics } from './metrics.js';

interface Pending {
  topic: string;
  message: BusMessage;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface BatcherOptions {
  maxMessages: number;
  lingerMs: number;
  retryMs: number;
  /** Sends in flight at once (the Kafka adapter's idempotent producer keeps order with up to 5). */
  maxConcurrentSends: number;
}

/**
 * Groups messages from many packets into few `bus.send` calls (kafkajs is CPU-bound per call,
 * infra-notes) and tells each packet when its messages are durable. A batch leaves when it is
 * full or its oldest message has waited `lingerMs`, with up to `maxConcurrentSends` in flight:
 * the ack window of the devices (held PUBACKs, paused sockets) is what bounds memory, and
 * overlapping sends keep a slow broker round trip from capping throughput.
 * A failing send is retried with backoff for `retryMs`, then its packets are refused (callers do
 * not ack them, so devices or the broker deliver them again).
 */
export class BusBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightMessages = 0;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly opts: BatcherOptions,
    private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
  ) {}

  /** Messages waiting or in flight. */
  get pending(): number {
    return this.queue.length + this.inFlightMessages;
  }

  send(topic: string, message: BusMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ingest batcher closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      if (this.queue.length >= this.opts.maxMessages) this.dispatch();
      else this.timer ??= setTimeout(() => this.onLinger(), this.opts.lingerMs);
    });
  }

  private onLinger(): void {
    this.timer = null;
    this.dispatch();
  }

  /** Start sends while there is something queued and a free slot. */
  private dispatch(): void {
    while (this.queue.length > 0 && this.inFlight.size < this.opts.maxConcurrentSends) {
      const batch = this.queue.splice(0, this.opts.maxMessages);
      this.inFlightMessages += batch.length;
      const sending: Promise<void> = this.sendWithRetry(batch)
        .then(
          () => batch.forEach((p) => p.resolve()),
          (err: unknown) => batch.forEach((p) => p.reject(err as Error)),
        )
        .finally(() => {
          this.inFlight.delete(sending);
          this.inFlightMessages -= batch.length;
          this.metrics.pending.set(this.pending);
          // a slot is free: what queued meanwhile leaves now if full, else after its linger
          if (this.queue.length >= this.opts.maxMessages) this.dispatch();
          else if (this.queue.length > 0) this.timer ??= setTimeout(() => this.onLinger(), this.opts.lingerMs);
        });
      this.inFlight.add(sending);
    }
    this.metrics.pending.set(this.pending);
  }

  private async sendWithRetry(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, BusMessage[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic);
      if (list) list.push(p.message);
      else byTopic.set(p.topic, [p.message]);
    }
    const deadline = Date.now() + this.opts.retryMs;
    let delay = 100;
    for (;;) {
      const started = process.hrtime.bigint();
      try {
        // Topics in parallel: they are independent; order only matters within one topic.
        await Promise.all([...byTopic].map(([topic, msgs]) => this.bus.send(topic, msgs)));
        this.metrics.busSendSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.metrics.busMessages.inc(batch.length);
        return;
      } catch (err) {
        this.metrics.busSendFailures.inc();
        if (Date.now() + delay > deadline) {
          this.logger.error({ err, messages: batch.length }, 'bus send failed; refusing the packets so they are delivered again');
          throw err;
        }
        this.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'bus send failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** Send whatever is waiting and wait for every send in flight. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      if (this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
      this.dispatch();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
