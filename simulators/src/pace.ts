import type { SimPacket } from './device.js';
import { emptyStats, type DeviceSession, type SessionStats } from './session.js';

/** Simulated seconds per real second, or 'max' (as fast as the transport takes them). */
export type Speed = number | 'max';

export interface PumpOptions {
  speed: Speed;
  /** Simulated time the run starts (maps to the real moment pumping starts). */
  start: number;
  /** Uploads awaiting the transport at once in 'max' mode (default 1000). */
  maxInFlight?: number;
  /** After the last packet, wait up to this long (real ms) for outstanding acks (default 2 s). */
  lingerMs?: number;
  signal?: AbortSignal;
  /** Called about once a second with progress (simulated time reached, packets sent). */
  onProgress?: (p: { simTime: number; sent: number; elapsedMs: number }) => void;
}

export interface RunStats extends SessionStats {
  devices: number;
  elapsedMs: number;
  packetsPerSecond: number;
}

/** Maps real time to simulated time while a run is paced. */
export class SimClock {
  private realStart = performance.now();
  private last: number;
  constructor(
    private readonly start: number,
    private readonly speed: Speed,
  ) {
    this.last = start;
  }
  begin(): void {
    this.realStart = performance.now();
  }
  /** Simulated now: paced by the wall clock, or the send time of the latest packet in 'max' mode. */
  now(): number {
    return this.speed === 'max' ? this.last : this.start + (performance.now() - this.realStart) * this.speed;
  }
  advanceTo(t: number): void {
    this.last = Math.max(this.last, t);
  }
  /** Real ms to wait until simulated time t is due. */
  delayUntil(t: number): number {
    if (this.speed === 'max') return 0;
    return this.realStart + (t - this.start) / this.speed - performance.now();
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Feed a packet stream to the devices' sessions at the requested speed. */
export async function pump(packets: Iterable<SimPacket> | AsyncIterable<SimPacket>, sessions: ReadonlyMap<string, DeviceSession>, clock: SimClock, opts: PumpOptions): Promise<RunStats> {
  const began = performance.now();
  clock.begin();
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = opts.maxInFlight ?? 1000;
  const sweeper = setInterval(() => sessions.forEach((s) => s.sweep()), 250);
  let lastProgress = began;
  let sent = 0;
  let failure: Error | null = null;
  try {
    for await (const p of packets) {
      if (opts.signal?.aborted) break;
      const wait = clock.delayUntil(p.sendAt);
      if (wait > 4) await sleep(wait, opts.signal);
      clock.advanceTo(p.sendAt);
      const session = sessions.get(p.mn);
      if (!session) throw new Error(`no session for device ${p.mn}`);
      const done: Promise<void> = session.upload(p).then(
        () => void inFlight.delete(done),
        (err: unknown) => {
          inFlight.delete(done);
          failure ??= new Error(`upload from ${p.mn} failed: ${(err as Error).message}`);
        },
      );
      inFlight.add(done);
      sent++;
      if (failure) throw failure;
      if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      const now = performance.now();
      if (opts.onProgress && now - lastProgress > 1000) {
        lastProgress = now;
        opts.onProgress({ simTime: p.sendAt, sent, elapsedMs: now - began });
      }
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    const lingerEnd = performance.now() + (opts.lingerMs ?? 2000);
    while (performance.now() < lingerEnd && [...sessions.values()].some((s) => s.awaitingAck > 0) && !opts.signal?.aborted) await sleep(50, opts.signal);
  } finally {
    clearInterval(sweeper);
  }
  const elapsedMs = performance.now() - began;
  const stats = emptyStats();
  for (const s of sessions.values()) for (const k of Object.keys(stats) as (keyof typeof stats)[]) stats[k] += s.stats[k];
  for (const s of sessions.values()) stats.unacked += s.awaitingAck;
  return { ...stats, devices: sessions.size, elapsedMs, packetsPerSecond: stats.sent / (elapsedMs / 1000) };
}
