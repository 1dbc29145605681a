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
}

/**
 * Groups messages from many packets into few `bus.send` calls (kafkajs is CPU-bound per call,
 * infra-notes) and tells each packet when its messages are durable. One send is in flight at a
 * time: while it runs the next batch fills up, so batches grow with load, and FIFO order keeps
 * per-MN order. A failing send is retried with backoff for `retryMs`, then its packets are
 * refused (their callers do not ack, so devices or the broker deliver them again).
 */
export class BusBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly opts: BatcherOptions,
    private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
  ) {}

  /** Messages waiting or in flight. */
  get pending(): number {
    return this.queue.length + this.inFlight;
  }
  private inFlight = 0;

  send(topic: string, message: BusMessage): Promise<void> {
    if (this.closed) return Promise.reject(new Error('ingest batcher closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      this.metrics.pending.set(this.pending);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing) return; // the running loop picks the queue up when it finishes
    if (this.queue.length >= this.opts.maxMessages) {
      this.startFlush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.startFlush();
      }, this.opts.lingerMs);
    }
  }

  private startFlush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.flushing || this.queue.length === 0) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.opts.maxMessages);
      this.inFlight = batch.length;
      try {
        await this.sendWithRetry(batch);
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      } finally {
        this.inFlight = 0;
        this.metrics.pending.set(this.pending);
      }
      // Under light load stop here and let the linger timer gather the next batch.
      if (this.queue.length < this.opts.maxMessages && !this.closed) return;
    }
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
        if (Date.now() + delay > deadline || this.closed) {
          this.logger.error({ err, messages: batch.length }, 'bus send failed; refusing the packets so they are delivered again');
          throw err;
        }
        this.logger.warn({ err: (err as Error).message, retryInMs: delay }, 'bus send failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** Send whatever is waiting and wait for it. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) {
      if (!this.flushing) this.startFlush();
      await this.flushing;
    }
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }
}
