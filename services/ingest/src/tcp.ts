import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '@offsite/runtime';
import { createFrameStream } from './codec.js';
import type { IngestMetrics } from './metrics.js';
import type { HandleResult, IngestPipeline } from './pipeline.js';

export interface TcpIngestOptions {
  port: number;
  host?: string;
  pipeline: IngestPipeline;
  logger: Logger;
  metrics: IngestMetrics;
  /** Further connections are refused (logged). */
  maxConnections?: number;
  /** A frame larger than this (bytes, header to CRC) is dropped as garbage and reported. */
  maxFrameBytes?: number;
  /** A connection silent this long is closed (loggers reconnect). */
  idleTimeoutMs?: number;
}

export interface TcpIngest {
  readonly port: number;
  readonly connections: number;
  /** Stop accepting, let in-flight packets finish, then close every connection. */
  close(): Promise<void>;
}

/**
 * The data-logger TCP port (HJ 212 over a plain socket). Each connection: frames are cut from the
 * byte stream by the codec's decoder (a frame may span segments, a segment may hold several), the
 * socket is paused while their bus send is pending (backpressure reaches the logger), acks and
 * time-sets go back in order, and the MN the connection speaks for is bound on first use.
 */
export async function startTcpIngest(opts: TcpIngestOptions): Promise<TcpIngest> {
  const { pipeline, logger, metrics } = opts;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 5 * 60_000;
  const maxFrameBytes = opts.maxFrameBytes ?? 16_384;
  const sockets = new Set<Socket>();
  const busy = new Set<Promise<void>>();
  let closing = false;

  const server: Server = createServer((socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    metrics.connections.inc({ transport: 'tcp' });
    const peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    const log = logger.child({ peer, transport: 'tcp' });
    const frames = createFrameStream({ maxFrameBytes });
    let boundMn: string | null = null;
    let switchLogged = false;
    let chain: Promise<void> = Promise.resolve();
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs);
    log.debug('connection opened');

    socket.on('timeout', () => {
      log.info({ boundMn, idleTimeoutMs }, 'idle connection closed');
      socket.destroy();
    });
    socket.on('error', (err) => log.warn({ err: err.message, boundMn }, 'connection error'));
    socket.on('close', () => {
      sockets.delete(socket);
      metrics.connections.dec({ transport: 'tcp' });
      // Bytes of a frame that never completed are reported, not forgotten.
      for (const g of frames.end()) void pipeline.reportGarbage(g, { transport: 'tcp', peer, topicMn: boundMn ?? undefined }).catch(() => undefined);
      log.debug({ boundMn }, 'connection closed');
    });

    socket.on('data', (chunk: Buffer) => {
      const { frames: complete, garbage } = frames.push(chunk);
      for (const g of garbage) {
        metrics.garbageBytes.inc(g.skipped);
        log.warn({ skipped: g.skipped, code: g.code, reason: g.reason, boundMn }, 'bytes outside frames skipped');
        void pipeline.reportGarbage(g, { transport: 'tcp', peer, topicMn: boundMn ?? undefined }).catch(() => undefined);
      }
      if (complete.length === 0) return;
      if (boundMn) pipeline.touch(boundMn, 'tcp');
      // Pause while the packets' bus send is pending: the logger's TCP window fills up instead of our memory.
      socket.pause();
      const work = chain.then(async () => {
        const results = await Promise.allSettled(complete.map((f) => pipeline.handle(f, { transport: 'tcp', peer })));
        for (const r of results) {
          if (r.status === 'rejected') {
            // Bus down beyond retry: no ack, so the logger sends it again.
            log.error({ err: (r.reason as Error).message }, 'packet not accepted (bus unavailable); no ack sent');
            continue;
          }
          if (r.value.mn && boundMn && r.value.mn !== boundMn) {
            // One logger may speak for several outlets; a spoofed MN looks the same: count, log once.
            metrics.mnSwitches.inc();
            if (!switchLogged) log.warn({ boundMn, packetMn: r.value.mn }, 'connection switched MN (a logger for several outlets, or a spoofed MN); further switches only counted');
            switchLogged = true;
          }
          if (r.value.mn) boundMn = r.value.mn;
          writeReplies(socket, r.value);
        }
      });
      chain = work.catch((err: unknown) => log.error({ err }, 'connection handler failed'));
      const tracked = chain.then(() => {
        busy.delete(tracked);
        if (!socket.destroyed) socket.resume();
      });
      busy.add(tracked);
    });
  });
  if (opts.maxConnections !== undefined) server.maxConnections = opts.maxConnections;
  server.on('drop', (info) => logger.warn({ peer: `${info?.remoteAddress}:${info?.remotePort}`, maxConnections: opts.maxConnections }, 'connection refused: connection cap reached'));
  server.on('error', (err) => logger.error({ err }, 'tcp server error'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, host: opts.host ?? '0.0.0.0' }, 'HJ 212 TCP ingest listening');

  return {
    port,
    get connections() {
      return sockets.size;
    },
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...busy]);
      for (const s of sockets) s.end();
      const deadline = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 2_000);
      await closed;
      clearTimeout(deadline);
    },
  };
}

function writeReplies(socket: Socket, result: HandleResult): void {
  if (socket.destroyed) return;
  if (result.ack) socket.write(result.ack);
  for (const r of result.replies ?? []) socket.write(r);
}
