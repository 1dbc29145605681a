import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from '@offsite/runtime';
import type { DueDelivery, LeadStore } from '@offsite/lead-store';

/**
 * Signature header: `X-Offsite-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Signing the timestamp with the body lets receivers reject replays of old deliveries.
 */
export const SIGNATURE_HEADER = 'x-offsite-signature';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Receiver side: true when the header matches body and secret (and is no older than maxAgeMs). */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string, now = Date.now(), maxAgeMs = 5 * 60_000): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  const t = Number(m[1]);
  if (Math.abs(now - t) > maxAgeMs) return false;
  const expected = Buffer.from(signWebhook(secret, t, body).split('v1=')[1]!, 'hex');
  return timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'));
}

export interface WebhookBackoff {
  initialMs: number;
  maxMs: number;
  /** After this many failed attempts a delivery is marked failed. */
  maxAttempts: number;
}

export const defaultWebhookBackoff: WebhookBackoff = { initialMs: 2_000, maxMs: 10 * 60_000, maxAttempts: 10 };

export interface WebhookDispatcherOptions {
  store: LeadStore;
  logger: Logger;
  clock?: () => number;
  backoff?: WebhookBackoff;
  timeoutMs?: number;
  batchSize?: number;
  /** How long a claimed delivery is hidden from other dispatchers. */
  leaseMs?: number;
  /** Called after each round with its counts (metrics). */
  onRound?: (counts: { delivered: number; retrying: number; failed: number }) => void;
}

export interface WebhookDispatcher {
  /** Deliver what is due now; resolves with counts. */
  runOnce(): Promise<{ delivered: number; retrying: number; failed: number }>;
  start(intervalMs?: number): void;
  stop(): Promise<void>;
}

/** Posts lead events from the persisted delivery queue (outbox), retrying with exponential backoff. */
export function createWebhookDispatcher(opts: WebhookDispatcherOptions): WebhookDispatcher {
  const clock = opts.clock ?? Date.now;
  const backoff = opts.backoff ?? defaultWebhookBackoff;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const log = opts.logger.child({ component: 'webhooks' });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function deliver(d: DueDelivery): Promise<'delivered' | 'retrying' | 'failed'> {
    const body = JSON.stringify(d.event);
    const now = clock();
    let error: string;
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(d.secret, now, body), 'x-offsite-delivery': d.id, 'x-offsite-event': `lead.${d.event.change}` },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        await opts.store.markDelivered(d.id, clock());
        return 'delivered';
      }
      error = `HTTP ${res.status}`;
    } catch (err) {
      error = (err as Error).message;
    }
    if (d.attempts >= backoff.maxAttempts) {
      await opts.store.markDeliveryFailed(d.id, error, null);
      log.error({ delivery: d.id, webhook: d.webhookId, attempts: d.attempts, error }, 'webhook delivery failed for good');
      return 'failed';
    }
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (d.attempts - 1));
    await opts.store.markDeliveryFailed(d.id, error, clock() + delay);
    log.warn({ delivery: d.id, webhook: d.webhookId, attempts: d.attempts, retryInMs: delay, error }, 'webhook delivery failed; will retry');
    return 'retrying';
  }

  async function runOnce() {
    const counts = { delivered: 0, retrying: 0, failed: 0 };
    const due = await opts.store.claimDeliveries(clock(), opts.batchSize ?? 50, opts.leaseMs ?? Math.max(30_000, timeoutMs * 2));
    for (const d of due) counts[await deliver(d)]++;
    opts.onRound?.(counts);
    return counts;
  }

  return {
    runOnce,
    start(intervalMs = 1_000) {
      const tick = () => {
        if (stopped) return;
        running = runOnce()
          .catch((err) => log.error({ err }, 'webhook dispatch round failed'))
          .finally(() => {
            if (!stopped) timer = setTimeout(tick, intervalMs);
          });
      };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
