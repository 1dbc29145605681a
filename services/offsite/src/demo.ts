import { Topics, type Site } from '@offsite/domain';
import type { Bus } from '@offsite/bus';
import { parsePacket, toReadingBatch } from '@offsite/hj212';
import { SimClock, connectMqtt, connectTcp, generateScenario, pump, type SimPacket, type RunStats } from '@offsite/simulators';
import type { Logger } from '@offsite/runtime';

export interface DemoPlan {
  sites: Site[];
  /** Packets whose send time is already past: replayed straight onto the bus at start. */
  history: SimPacket[];
  /** The rest, sent live by the simulated loggers over MQTT and TCP. */
  live: Iterable<SimPacket>;
  devices: ReturnType<typeof generateScenario>['devices'];
}

/**
 * `--demo`: the 'mixed' scenario (every third device honest, the others each with one dishonest
 * pattern), started `historyMs` in the past so that detection has hours of data and leads show
 * within a minute. History goes onto the bus as if it had arrived on time (source 'replay');
 * from now on the same loggers talk live, in real time.
 */
export function planDemo(opts: { devices: number; seed: number; historyMs: number; now: number; intervalMs?: number }): DemoPlan {
  const intervalMs = opts.intervalMs ?? 60_000;
  const start = Math.floor((opts.now - opts.historyMs) / intervalMs) * intervalMs;
  // Scenarios place their patterns at ~40% of the run: a run 5/3 of the history long puts them
  // all in the replayed past (leads at once) and leaves 2/3 of the history as live time.
  const run = generateScenario({ name: 'mixed', devices: opts.devices, seed: opts.seed, start, durationMs: Math.round((opts.historyMs * 5) / 3), intervalMs });
  const it = run.packets[Symbol.iterator]();
  const history: SimPacket[] = [];
  let held: SimPacket | undefined;
  for (let r = it.next(); !r.done; r = it.next()) {
    if (r.value.sendAt > opts.now) {
      held = r.value;
      break;
    }
    history.push(r.value);
  }
  function* live(): Generator<SimPacket> {
    if (held) yield held;
    for (let r = it.next(); !r.done; r = it.next()) yield r.value;
  }
  return { sites: run.sites, history, live: live(), devices: run.devices };
}

/** Replay history onto the readings topic (batched), then run the live loggers until stopped. */
export async function startDemo(plan: DemoPlan, o: { bus: Bus; mqttUrl: string; tcpPort: number; logger: Logger }) {
  let replayed = 0;
  let skipped = 0;
  for (let i = 0; i < plan.history.length; i += 500) {
    const messages = [];
    for (const p of plan.history.slice(i, i + 500)) {
      try {
        const batch = toReadingBatch(parsePacket(p.frame), { receivedAt: p.sendAt + 1_000, source: 'replay' });
        messages.push({ key: batch.mn, value: Buffer.from(JSON.stringify(batch)) });
      } catch {
        skipped++; // status and start-up packets (3020, 2081) carry no readings
      }
    }
    await o.bus.send(Topics.readings, messages);
    replayed += messages.length;
  }
  o.logger.info({ replayed, skipped, devices: plan.devices.length }, 'demo: history replayed');

  const clock = new SimClock(Date.now(), 1);
  const viaMqtt = plan.devices.filter((_, i) => i % 2 === 0);
  const viaTcp = plan.devices.filter((_, i) => i % 2 === 1);
  const links = [await connectMqtt(viaMqtt, clock, { url: o.mqttUrl }), await connectTcp(viaTcp, clock, { host: '127.0.0.1', port: o.tcpPort })];
  const sessions = new Map([...links[0]!.sessions, ...links[1]!.sessions]);
  const abort = new AbortController();
  const done: Promise<RunStats | null> = pump(plan.live, sessions, clock, { speed: 1, start: Date.now(), signal: abort.signal }).catch((err: unknown) => {
    o.logger.error({ err }, 'demo fleet stopped');
    return null;
  });
  return {
    async stop(): Promise<void> {
      abort.abort();
      await done;
      await Promise.all(links.map((l) => l.close()));
    },
  };
}
