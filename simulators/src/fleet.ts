import type { Site } from '@offsite/domain';
import { generateScenario, type ScenarioRun } from './generate.js';
import { SimClock, pump, type PumpOptions, type RunStats, type Speed } from './pace.js';
import type { DeviceSession } from './session.js';
import { connectMqtt, type Connected, type MqttLinkOptions } from './transport/mqtt.js';
import { connectTcp, type TcpLinkOptions } from './transport/tcp.js';
import type { TruthLabel } from './truth.js';

export interface FleetOptions extends Pick<PumpOptions, 'onProgress' | 'maxInFlight' | 'lingerMs'> {
  /** Scenario for every device (default 'mixed': honest and dishonest devices side by side). */
  scenario?: string;
  devices: number;
  seed?: number;
  /** Simulated start. Default: now, floored to the interval — a live fleet speaks in wall-clock time. */
  start?: number | string | Date;
  /** Default 24 h. */
  durationMs?: number;
  intervalMs?: number;
  /** Simulated seconds per real second (default 1: real time), or 'max'. */
  speed?: Speed;
  /** Broker URL or options. With both mqtt and tcp, even devices use MQTT and odd ones TCP. */
  mqtt?: string | MqttLinkOptions;
  /** `host:port` or options. */
  tcp?: string | TcpLinkOptions;
}

export interface Fleet {
  sites: Site[];
  truth: TruthLabel[];
  run: ScenarioRun;
  /** Settles when every packet has been sent (or the fleet was stopped). */
  done: Promise<RunStats>;
  /** Stop sending, close connections, return the figures. */
  stop(): Promise<RunStats>;
}

export function parseHostPort(text: string, what = '--tcp'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new Error(`${what} must be host:port, got "${text}"`);
  return { host: (m[1] ?? m[2]) as string, port };
}

/** Start a fleet of simulated loggers against a broker and/or an HJ 212 TCP port. */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  if (!opts.mqtt && !opts.tcp) throw new Error('startFleet needs mqtt and/or tcp');
  const intervalMs = opts.intervalMs ?? 60_000;
  // The one place the wall clock enters: a live fleet's default start. Generation stays pure.
  const start = opts.start ?? Math.floor(Date.now() / intervalMs) * intervalMs;
  const run = generateScenario({ name: opts.scenario ?? 'mixed', devices: opts.devices, seed: opts.seed, start, durationMs: opts.durationMs ?? 24 * 3_600_000, intervalMs });
  const speed = opts.speed ?? 1;
  const clock = new SimClock(run.start, speed);
  const both = Boolean(opts.mqtt && opts.tcp);
  const viaMqtt = run.devices.filter((_, i) => opts.mqtt && (!both || i % 2 === 0));
  const viaTcp = run.devices.filter((_, i) => opts.tcp && (!both || i % 2 === 1));
  const links: Connected[] = [];
  const close = () => Promise.all(links.map((l) => l.close()));
  try {
    if (opts.mqtt && viaMqtt.length) links.push(await connectMqtt(viaMqtt, clock, typeof opts.mqtt === 'string' ? { url: opts.mqtt } : opts.mqtt));
    if (opts.tcp && viaTcp.length) links.push(await connectTcp(viaTcp, clock, typeof opts.tcp === 'string' ? parseHostPort(opts.tcp) : opts.tcp));
  } catch (err) {
    await close();
    throw err;
  }
  const sessions = new Map<string, DeviceSession>();
  for (const l of links) for (const [mn, s] of l.sessions) sessions.set(mn, s);
  const abort = new AbortController();
  const done = pump(run.packets, sessions, clock, { ...opts, speed, start: run.start, signal: abort.signal }).finally(close);
  return {
    sites: run.sites,
    truth: run.truth,
    run,
    done,
    stop: async () => {
      abort.abort();
      return done;
    },
  };
}
