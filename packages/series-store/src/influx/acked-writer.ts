import { canRetryHttpCall, getRetryDelay } from '@influxdata/influxdb-client';
import type { Logger } from '@offsite/runtime';

export interface AckedWriterOptions {
  /** Lines per HTTP write (InfluxDB's sweet spot is ~5000). */
  batchSize: number;
  /** How long lines wait to be coalesced with other writes before a partial batch is sent. */
  flushIntervalMs: number;
  /** Concurrent HTTP writes. */
  maxInFlight: number;
  /** Retries after the first failure of one batch. */
  maxRetries: number;
  /** Random extra delay (ms) added to every retry, so writers do not retry in lockstep. */
  retryJitter: number;
  minRetryDelayMs: number;
  maxRetryDelayMs: number;
}

interface Ticket {
  remaining: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: Error) => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends one batch of line-protocol lines; resolves on the server's 204, rejects with its error. */
export type SendLines = (lines: string[]) => Promise<void>;

/**
 * Batching with acknowledgement. The client's WriteApi retries failed batches from a background
 * buffer after flush() has already rejected (and drops them when the buffer is full), so its
 * promise cannot tell the archive service when points are durable. Here every write() gets a
 * promise that resolves only when each of its lines was answered 204 by InfluxDB, or rejects
 * after retries are exhausted (the caller then does not commit its offsets and replays).
 *
 * Lines of concurrent writes are coalesced into batches of `batchSize`; batches go out through
 * `send` (one HTTP write each) and are retried here with exponential backoff
 * plus jitter, honouring Retry-After. Non-retryable answers (400 bad line protocol, 401, 422
 * field type conflict) reject at once with InfluxDB's message.
 */
export class AckedWriter {
  private lines: string[] = [];
  private owners: Ticket[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly send: SendLines,
    private readonly opts: AckedWriterOptions,
    private readonly log: Logger,
  ) {}

  write(lines: string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const ticket: Ticket = { remaining: lines.length, settled: false, resolve, reject };
      for (const line of lines) {
        this.lines.push(line);
        this.owners.push(ticket);
      }
      this.pump();
    });
  }

  /** Sends everything queued now and waits until nothing is in flight. */
  async drain(): Promise<void> {
    this.pump(true);
    while (this.inFlight > 0 || this.lines.length > 0) {
      await new Promise<void>((r) => this.idleWaiters.push(r));
      this.pump(true);
    }
  }

  private pump(force = false): void {
    while (this.inFlight < this.opts.maxInFlight && this.lines.length > 0) {
      const full = this.lines.length >= this.opts.batchSize;
      if (!full && !force) {
        this.armTimer();
        return;
      }
      this.sendNext();
    }
  }

  private armTimer(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump(true);
    }, this.opts.flushIntervalMs);
  }

  private sendNext(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const lines = this.lines.splice(0, this.opts.batchSize);
    const owners = this.owners.splice(0, lines.length);
    this.inFlight++;
    this.sendWithRetry(lines)
      .then(
        () => {
          for (const t of owners) {
            if (!t.settled && --t.remaining === 0) {
              t.settled = true;
              t.resolve();
            }
          }
        },
        (err: Error) => {
          for (const t of owners) {
            if (!t.settled) {
              t.settled = true;
              t.reject(err);
            }
          }
        },
      )
      .finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
  }

  private async sendWithRetry(lines: string[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.send(lines);
        return;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (!canRetryHttpCall(error) || attempt > this.opts.maxRetries) {
          this.log.error({ err: error, lines: lines.length, attempts: attempt }, 'influx write failed');
          throw error;
        }
        const delay = this.retryDelay(error, attempt);
        this.log.warn({ err: error.message, lines: lines.length, attempt, delayMs: delay }, 'influx write failed, retrying');
        await sleep(delay);
      }
    }
  }

  private retryDelay(error: Error, attempt: number): number {
    const jitter = Math.round(Math.random() * this.opts.retryJitter);
    const retryAfter = getRetryDelay(error);
    if (retryAfter && retryAfter > 0) return retryAfter + jitter;
    return Math.min(this.opts.maxRetryDelayMs, this.opts.minRetryDelayMs * 2 ** (attempt - 1)) + jitter;
  }
}
