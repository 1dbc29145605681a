import net from 'node:net';
import { FrameDecoder } from '@offsite/hj212';
import type { SimDevice, SimPacket } from '../device.js';
import { packetStream } from '../generate.js';
import { SimClock, pump, type PumpOptions, type RunStats } from '../pace.js';
import { DeviceSession, type SessionOptions } from '../session.js';
import type { Connected, DeviceRunOptions } from './mqtt.js';

export interface TcpLinkOptions {
  host: string;
  port: number;
  session?: Pick<SessionOptions, 'ackTimeoutMs' | 'maxResends' | 'historyMs'>;
  /** Real ms between reconnect attempts (default 1000). */
  reconnectMs?: number;
}

export interface TcpRunOptions extends Omit<PumpOptions, 'start'>, TcpLinkOptions {
  devices: readonly SimDevice[];
  packets: Iterable<SimPacket> | AsyncIterable<SimPacket>;
  start: number;
}

/**
 * A logger's long TCP connection: frames written as they come; the platform's frames read back
 * with the codec's stream decoder. While the link is down, frames queue and go out on reconnect.
 */
class LoggerLink {
  private socket: net.Socket | null = null;
  private queue: string[] = [];
  private closed = false;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onFrame: (frame: Buffer) => void,
    private readonly reconnectMs: number,
  ) {}

  connect(): Promise<void> {
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const decoder = new FrameDecoder();
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        this.socket = socket;
        this.connecting = null;
        const queued = this.queue;
        this.queue = [];
        for (const f of queued) socket.write(f);
        resolve();
      });
      socket.on('data', (chunk) => {
        for (const ev of decoder.push(chunk)) if (ev.type === 'frame') this.onFrame(ev.frame);
      });
      socket.on('error', (err) => {
        if (this.socket === null && this.connecting) {
          this.connecting = null;
          reject(new Error(`TCP ${this.host}:${this.port}: ${err.message}`));
        }
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        if (!this.closed) setTimeout(() => void this.connect().catch(() => undefined), this.reconnectMs).unref();
      });
    });
    return this.connecting;
  }

  send(frame: string): Promise<void> {
    const s = this.socket;
    if (!s) {
      this.queue.push(frame);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      s.write(frame, (err) => (err ? reject(err) : resolve()));
    });
  }

  close(): Promise<void> {
    this.closed = true;
    const s = this.socket;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => (s.destroy(), resolve()), 1000).unref();
    });
  }
}

/** Connect each device on its own TCP long connection and give it a session. */
export async function connectTcp(devices: readonly SimDevice[], clock: SimClock, opts: TcpLinkOptions): Promise<Connected> {
  const sessions = new Map<string, DeviceSession>();
  const links: LoggerLink[] = [];
  const close = async () => void (await Promise.all(links.map((l) => l.close())));
  for (const device of devices) {
    let session: DeviceSession | null = null;
    const link = new LoggerLink(opts.host, opts.port, (frame) => void session?.onDownlink(frame), opts.reconnectMs ?? 1000);
    links.push(link);
    session = new DeviceSession(device, { ...opts.session, simNow: () => clock.now(), send: (frame) => link.send(frame) });
    sessions.set(device.mn, session);
  }
  try {
    // Connect in slices so thousands of loggers do not overrun the listen backlog.
    for (let i = 0; i < links.length; i += 200) await Promise.all(links.slice(i, i + 200).map((l) => l.connect()));
  } catch (err) {
    await close();
    throw err;
  }
  return { sessions, close };
}

/** Run devices, one TCP long connection each, against the platform's HJ 212 port. */
export async function runTcp(opts: TcpRunOptions): Promise<RunStats> {
  const clock = new SimClock(opts.start, opts.speed);
  const link = await connectTcp(opts.devices, clock, opts);
  try {
    return await pump(opts.packets, link.sessions, clock, opts);
  } finally {
    await link.close();
  }
}

/** One logger on its own TCP connection, generating its own packets from `start` to `end`. */
export function runTcpDevice(opts: DeviceRunOptions & TcpLinkOptions): Promise<RunStats> {
  return runTcp({ ...opts, devices: [opts.device], packets: packetStream([opts.device], opts.start, opts.end, opts.intervalMs) });
}
