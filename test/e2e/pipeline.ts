import { rmSync } from 'node:fs';
import { ruleCategory, SiteIndex, type Site } from '@offsite/domain';
import { SYSTEM_CALLER } from '@offsite/leads';
import { startStack, type Stack } from '@offsite/offsite';
import { createLogger, sharedEnv } from '@offsite/runtime';
import { SimClock, connectMqtt, connectTcp, generateScenario, pump, type ScenarioRun, type SimPacket, type TruthLabel } from '@offsite/simulators';

/**
 * Runs simulator scenarios through the whole pipeline, in one process: loggers over MQTT and TCP
 * → ingest → bus → archive / detect → leads. Simulated time runs as fast as the transports take
 * it; ingest's arrival clock follows it (otherwise every packet would be "late").
 */
export interface PipelineRun {
  stack: Stack;
  runs: ScenarioRun[];
  sites: Site[];
  truth: TruthLabel[];
  /** The simulated clock of the scenario being played. */
  clock(): SimClock;
  /** Send every packet, then wait until the bus is drained. */
  play(): Promise<{ sent: number }>;
  /** After play(): real-time (CN 2011) points sent per MN, each (DataTime, pollutant) counted once. */
  rtdPointsSent: Map<string, number>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  scenarios: Array<{ name: string; devices: number }>;
  seed: number;
  /** Shared-contract variables for startStack (KAFKA_BROKERS, INFLUX_*, DATABASE_URL, MQTT_URL select the real servers). */
  env?: Record<string, string | undefined>;
  durationMs?: number;
  speed?: number;
  /**
   * First device index of every scenario: on long-lived shared servers a fresh base per run gives
   * fresh MNs, so earlier runs' points and leads cannot be mistaken for this run's. Default 0.
   */
  firstIndex?: number;
  /**
   * Shared-subscription group of ingest (default 'ingest'): unique per run on a shared broker, so
   * another ingest subscribed there cannot take a share of this run's packets. (startStack does
   * not pass INGEST_MQTT_TOPIC_PREFIX on, so the topics themselves stay `hj212/{MN}/up`.)
   */
  mqttGroup?: string;
}

export async function startPipeline(opts: PipelineOptions): Promise<PipelineRun> {
  const start = Date.UTC(2025, 5, 2, 16, 0, 0);
  const runs = opts.scenarios.map((s, i) =>
    generateScenario({ name: s.name, devices: s.devices, seed: opts.seed + i, start, ...(opts.durationMs ? { durationMs: opts.durationMs } : {}), ...(opts.firstIndex ? { firstIndex: opts.firstIndex } : {}) }),
  );
  const sites = runs.flatMap((r) => r.sites);
  const speed = opts.speed ?? 600;
  let clock = new SimClock(start, speed);
  const dataDir = `/tmp/offsite-e2e-${process.pid}-${Date.now()}`;
  const env = sharedEnv.parse({ MQTT_PORT: '0', HJ212_TCP_PORT: '0', DATA_DIR: dataDir, ...opts.env });
  // startStack reads ingest's MQTT settings from process.env: set this run's for the start only.
  const stack = await withEnv({ INGEST_MQTT_GROUP: opts.mqttGroup }, () =>
    startStack({ env, sites: new SiteIndex(sites), logger: createLogger('e2e', process.env.E2E_LOG ?? 'silent'), inMemory: true, detectTickMs: 3_600_000, clock: () => Math.floor(clock.now()) + 2_000,
      // Simulated time runs SPEED times faster than delivery: a tolerance of 30 simulated minutes keeps
      // ingest from 'correcting' loggers' clocks for delivery delays of a second or so.
      ingestOptions: { clockSkewToleranceMs: 30 * 60_000 },
    }),
  );
  const rtdPointsSent = new Map<string, number>();
  const seenRtd = new Set<string>();
  /** Counts each packet's real-time points on the way to the transports. */
  function* tally(packets: Iterable<SimPacket>): Generator<SimPacket> {
    for (const p of packets) {
      const key = `${p.mn}|${p.cn}|${p.dataTime}`;
      if (p.cn === '2011' && !seenRtd.has(key)) {
        seenRtd.add(key);
        rtdPointsSent.set(p.mn, (rtdPointsSent.get(p.mn) ?? 0) + rtdPointCount(p));
      }
      yield p;
    }
  }
  return {
    stack,
    rtdPointsSent,
    runs,
    sites,
    truth: runs.flatMap((r) => r.truth),
    clock: () => clock,
    async play() {
      // All scenarios share one simulated clock, paced (not 'max'): at SPEED simulated seconds per
      // real second, delivery delays of tens of ms are seconds of simulated time, far inside
      // the clock-skew and lateness tolerances that a faster-than-delivery clock would trip.
      clock = new SimClock(start, speed);
      const devices = runs.flatMap((r) => r.devices);
      const even = devices.filter((_, i) => i % 2 === 0);
      const odd = devices.filter((_, i) => i % 2 === 1);
      const links = [await connectMqtt(even, clock, { url: stack.mqttUrl }), ...(odd.length ? [await connectTcp(odd, clock, { host: '127.0.0.1', port: stack.ingest.tcp!.port })] : [])];
      const sessions = new Map(links.flatMap((l) => [...l.sessions]));
      const stats = await pump(tally(mergeBySendTime(runs.map((r) => r.packets))), sessions, clock, { speed, start });
      await Promise.all(links.map((l) => l.close()));
      await waitDrained(stack);
      return { sent: stats.sent };
    },
    async stop() {
      for (const [, step] of stack.stopSteps) await step();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Pollutants with a real-time value (`xxx-Rtd`) in one CN 2011 packet: the points archive writes for it. */
export function rtdPointCount(p: SimPacket): number {
  return p.record.items.filter(([k]) => k.endsWith('-Rtd') && !k.endsWith('-ZsRtd')).length;
}

/** Runs `fn` with the given variables set in process.env (unset ones left alone), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) continue;
    saved.set(k, process.env[k]);
    process.env[k] = v;
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** k-way merge of send-ordered packet streams. */
export function* mergeBySendTime(streams: Iterable<SimPacket>[]): Generator<SimPacket> {
  const its = streams.map((s) => s[Symbol.iterator]());
  const heads = its.map((it) => it.next());
  for (;;) {
    let best = -1;
    heads.forEach((h, i) => {
      if (!h.done && (best < 0 || h.value.sendAt < (heads[best]!.value as SimPacket).sendAt)) best = i;
    });
    if (best < 0) return;
    yield heads[best]!.value as SimPacket;
    heads[best] = its[best]!.next();
  }
}

export async function waitDrained(stack: Stack, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let quietSince = 0;
  for (;;) {
    const lag = (await stack.archiver.lag()) + (await stack.detect.lag());
    if (lag === 0) {
      quietSince ||= Date.now();
      if (Date.now() - quietSince > 1_500) return;
    } else quietSince = 0;
    if (Date.now() > end) throw new Error(`pipeline not drained after ${timeoutMs} ms (lag ${lag})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Leads and anomalies per MN, as the API would show them to a national admin. */
export async function outcomes(stack: Stack, mn: string) {
  const leads = await stack.leadService.listLeads(SYSTEM_CALLER, { mn }, null, 100);
  const anomalies = await stack.leadService.listAnomalies(SYSTEM_CALLER, { mn }, null, 1000);
  return { leads: leads.items, anomalies: anomalies.items };
}

export { ruleCategory };
