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
  stop(): Promise<void>;
}

export async function startPipeline(opts: { scenarios: Array<{ name: string; devices: number }>; seed: number; env?: Record<string, string | undefined>; durationMs?: number; speed?: number }): Promise<PipelineRun> {
  const start = Date.UTC(2025, 5, 2, 16, 0, 0);
  const runs = opts.scenarios.map((s, i) => generateScenario({ name: s.name, devices: s.devices, seed: opts.seed + i, start, ...(opts.durationMs ? { durationMs: opts.durationMs } : {}) }));
  const sites = runs.flatMap((r) => r.sites);
  const speed = opts.speed ?? 600;
  let clock = new SimClock(start, speed);
  const dataDir = `/tmp/offsite-e2e-${process.pid}-${Date.now()}`;
  const env = sharedEnv.parse({ MQTT_PORT: '0', HJ212_TCP_PORT: '0', DATA_DIR: dataDir, ...opts.env });
  const stack = await startStack({ env, sites: new SiteIndex(sites), logger: createLogger('e2e', process.env.E2E_LOG ?? 'silent'), inMemory: true, detectTickMs: 3_600_000, clock: () => Math.floor(clock.now()) + 2_000,
    // Simulated time runs SPEED times faster than delivery: a tolerance of 30 simulated minutes keeps
    // ingest from 'correcting' loggers' clocks for delivery delays of a second or so.
    ingestOptions: { clockSkewToleranceMs: 30 * 60_000 },
  });
  return {
    stack,
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
      const stats = await pump(mergeBySendTime(runs.map((r) => r.packets)), sessions, clock, { speed, start });
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

/** k-way merge of send-ordered packet streams. */
function* mergeBySendTime(streams: Iterable<SimPacket>[]): Generator<SimPacket> {
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

/** Leads and anomalies per MN, as the API would show them to a national admin. */
export async function outcomes(stack: Stack, mn: string) {
  const leads = await stack.leadService.listLeads(SYSTEM_CALLER, { mn }, null, 100);
  const anomalies = await stack.leadService.listAnomalies(SYSTEM_CALLER, { mn }, null, 1000);
  return { leads: leads.items, anomalies: anomalies.items };
}

export { ruleCategory };
