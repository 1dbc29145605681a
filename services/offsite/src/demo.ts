import { Topics, type Site } from '@offsite/domain';
import type { Bus } from '@offsite/bus';
import { parsePacket, toReadingBatch } from '@offsite/hj212';
import { SimClock, connectMqtt, connectTcp, generateScenario, pump, type SimPacket, type RunStats } from '@offsite/simulators';
import type { Logger } from '@offsite/runtime';
import { writeDemoState, type DemoRunState } from './demo-state.js';

export interface DemoPlan {
  sites: Site[];
  /** Packets whose send time is already past: replayed straight onto the bus at start. */
  history: SimPacket[];
  /** The rest, sent live by the simulated loggers over MQTT and TCP. */
  live: Iterable<SimPacket>;
  devices: ReturnType<typeof generateScenario>['devices'];
  /** The run's identity and what it had sent when planned (saved to resume after a restart). */
  state: DemoRunState;
  /** True when this plan carries on the run of a previous start (same DATA_DIR). */
  resumed: boolean;
}

/**
 * `--demo`: the 'mixed' scenario (every third device honest, the others each with one dishonest
 * pattern), started `historyMs` in the past so that detection has hours of data and leads show
 * within a minute. History goes onto the bus as if it had arrived on time (source 'replay');
 * from now on the same loggers talk live, in real time.
 */
export function planDemo(opts: { devices: number; seed: number; historyMs: number; now: number; intervalMs?: number; previous?: DemoRunState | null }): DemoPlan {
  const intervalMs = opts.intervalMs ?? 60_000;
  // Scenarios place their patterns at ~40% of the run: a run 5/3 of the history long puts them
  // all in the replayed past (leads at once) and leaves 2/3 of the history as live time.
  const durationMs = Math.round((opts.historyMs * 5) / 3);
  const prev = opts.previous ?? null;
  let start = Math.floor((opts.now - opts.historyMs) / intervalMs) * intervalMs;
  let resumed = false;
  if (prev) {
    const sameRun = prev.devices === opts.devices && prev.seed === opts.seed && prev.historyMs === opts.historyMs;
    if (sameRun && prev.start + durationMs > opts.now) {
      start = prev.start;
      resumed = true;
    } else {
      // A new run on the same MNs: it must begin after everything the previous run sent.
      start = Math.max(start, Math.ceil((prev.sentUntil + 1) / intervalMs) * intervalMs);
    }
  }
  // Packets a previous run already sent are skipped; the downtime since is replayed.
  const sentBefore = prev?.sentUntil ?? Number.NEGATIVE_INFINITY;
  const run = generateScenario({ name: 'mixed', devices: opts.devices, seed: opts.seed, start, durationMs, intervalMs });
  const it = run.packets[Symbol.iterator]();
  const history: SimPacket[] = [];
  let held: SimPacket | undefined;
  for (let r = it.next(); !r.done; r = it.next()) {
    if (r.value.sendAt <= sentBefore) continue;
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
  const sentUntil = Math.max(prev?.sentUntil ?? start, history.at(-1)?.sendAt ?? start);
  const state: DemoRunState = { devices: opts.devices, seed: opts.seed, historyMs: opts.historyMs, start, sentUntil };
  return { sites: run.sites, history, live: live(), devices: run.devices, state, resumed };
}

/**
 * Replay history onto the readings topic (batched), then run the live loggers until stopped.
 * With `stateFile`, what has been sent is saved there (after the replay, every 30 s, at stop).
 */
export async function startDemo(plan: DemoPlan, o: { bus: Bus; mqttUrl: string; tcpPort: number; logger: Logger; stateFile?: string }) {
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
  o.logger.info({ replayed, skipped, devices: plan.devices.length, resumed: plan.resumed, runStart: new Date(plan.state.start).toISOString() }, 'demo: history replayed');
  const state = { ...plan.state };
  const save = () => {
    if (!o.stateFile) return;
    try {
      writeDemoState(o.stateFile, state);
    } catch (err) {
      o.logger.warn({ err, file: o.stateFile }, 'demo: could not save its state (a restart would replay data already sent)');
    }
  };
  save();
  const saveTimer = setInterval(save, 30_000);
  saveTimer.unref();
  // Records the send time of each packet once the pump has handed it to its logger.
  function* tracked(packets: Iterable<SimPacket>): Generator<SimPacket> {
    for (const p of packets) {
      yield p;
      state.sentUntil = Math.max(state.sentUntil, p.sendAt);
    }
  }

  const clock = new SimClock(Date.now(), 1);
  const viaMqtt = plan.devices.filter((_, i) => i % 2 === 0);
  const viaTcp = plan.devices.filter((_, i) => i % 2 === 1);
  const links = [await connectMqtt(viaMqtt, clock, { url: o.mqttUrl }), await connectTcp(viaTcp, clock, { host: '127.0.0.1', port: o.tcpPort })];
  const sessions = new Map([...links[0]!.sessions, ...links[1]!.sessions]);
  const abort = new AbortController();
  const done: Promise<RunStats | null> = pump(tracked(plan.live), sessions, clock, { speed: 1, start: Date.now(), signal: abort.signal }).catch((err: unknown) => {
    o.logger.error({ err }, 'demo fleet stopped');
    return null;
  });
  return {
    async stop(): Promise<void> {
      abort.abort();
      await done;
      clearInterval(saveTimer);
      save();
      await Promise.all(links.map((l) => l.close()));
    },
  };
}
