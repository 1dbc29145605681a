import type { Logger } from '@offsite/runtime';

/** Backoff between attempts at a batch whose handler threw: initialMs doubling up to maxMs. */
export interface HandlerRetryPolicy {
  initialMs: number;
  maxMs: number;
}

export const defaultHandlerRetry: HandlerRetryPolicy = { initialMs: 100, maxMs: 5_000 };

export interface RetryContext {
  policy: HandlerRetryPolicy;
  logger: Logger;
  /** What the log line names (topic, partition, group, offsets). */
  describe: Record<string, unknown>;
  /** False once the consumer stops or loses the partition: give the batch up uncommitted. */
  shouldContinue: () => boolean;
  /** Waits `ms` or less: resolves early when the consumer stops. */
  sleep: (ms: number) => Promise<void>;
  /** Kafka: heartbeat between attempts so a long backoff does not cost the group membership. */
  beforeRetry?: () => Promise<void>;
}

/**
 * Runs the handler until it resolves. Redelivering the same batch in place keeps per-partition
 * order (nothing after it is handed out meanwhile) and is what "gets the same messages again"
 * means for both adapters. Returns false when the batch was abandoned (stop/revocation) so the
 * caller leaves it uncommitted for the next owner.
 */
export async function handleWithRetry(handle: () => Promise<void>, ctx: RetryContext): Promise<boolean> {
  let delay = ctx.policy.initialMs;
  for (let attempt = 1; ; attempt++) {
    if (!ctx.shouldContinue()) return false;
    try {
      await handle();
      return true;
    } catch (error) {
      ctx.logger.warn({ ...ctx.describe, attempt, retryInMs: delay, err: error }, 'bus handler failed; batch will be redelivered');
    }
    if (!ctx.shouldContinue()) return false;
    await ctx.sleep(delay);
    delay = Math.min(delay * 2, ctx.policy.maxMs);
    if (ctx.beforeRetry && ctx.shouldContinue()) await ctx.beforeRetry();
  }
}

/** A sleep that a stop can cut short; once interrupted, later sleeps return at once. */
export class InterruptibleSleep {
  private cancels = new Set<() => void>();
  private interrupted = false;

  sleep(ms: number): Promise<void> {
    if (this.interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.cancels.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancels.add(done);
    });
  }

  interrupt(): void {
    this.interrupted = true;
    for (const cancel of [...this.cancels]) cancel();
  }
}
