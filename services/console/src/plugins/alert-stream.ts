import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { regionCovers } from '@offsite/domain';
import type { Caller } from '@offsite/leads';
import type { ConsoleContext } from '../context.js';
import type { Alert, AlertEvent } from '../state/alert-log.js';

/** A client this far behind (bytes buffered) is cut off rather than buffered without bound. */
const MAX_BUFFERED = 1 << 20;

export interface AlertStreamOptions {
  ctx: ConsoleContext;
  raw: ServerResponse;
  caller: Caller;
  token: string;
  lastId: number | null;
  log: FastifyBaseLogger;
  onClose: () => void;
}

const frame = (a: Alert) => `id: ${a.id}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`;

/**
 * One SSE connection: replays retained alerts after `lastId` in the caller's region, then pushes
 * new ones as they arrive (never another region's), comments as heartbeats, and re-checks the
 * token periodically so a revoked user's screen stops receiving. Returns a function that ends it.
 */
export function openAlertStream(o: AlertStreamOptions): () => void {
  const { ctx, raw, caller } = o;
  let closed = false;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const write = (chunk: string) => {
    if (closed) return;
    raw.write(chunk);
    if (raw.writableLength > MAX_BUFFERED) {
      o.log.warn({ user: caller.userId }, 'alert stream: client too slow; closing');
      end();
    }
  };

  write(`retry: 3000\n: connected as ${caller.userId} scope ${caller.regionScope}\n\n`);
  // Replay and subscribe in one synchronous step, so no alert falls between the two.
  if (o.lastId !== null) {
    const { alerts, gap } = ctx.alerts.since(o.lastId, caller.regionScope);
    if (gap) write(`event: gap\ndata: ${JSON.stringify({ after: o.lastId, oldestRetained: ctx.alerts.oldestId })}\n\n`);
    for (const a of alerts) write(frame(a));
  }
  const unsubscribe = ctx.alerts.subscribe((e: AlertEvent) => {
    if (!regionCovers(caller.regionScope, e.alert.region)) return;
    if (e.kind === 'alert') write(frame(e.alert));
    else write(`event: ack\ndata: ${JSON.stringify({ id: e.alert.id, ack: e.alert.ack })}\n\n`);
  });
  ctx.metrics.sseConnected(1);

  const heartbeat = setInterval(() => write(`: hb ${ctx.clock()}\n\n`), ctx.heartbeatMs);
  const recheck = setInterval(() => {
    ctx.leadService.authenticate(o.token).then(
      () => undefined,
      () => {
        write(`event: unauthorized\ndata: {"message":"token no longer valid"}\n\n`);
        end();
      },
    );
  }, ctx.streamRecheckMs);

  function end(): void {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    clearInterval(recheck);
    unsubscribe();
    ctx.metrics.sseConnected(-1);
    raw.end();
    o.onClose();
  }
  raw.on('close', end);
  return end;
}
