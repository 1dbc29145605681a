import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Anomaly, decodeReadingBatch, Topics, type DeadLetter, type SiteIndex } from '@offsite/domain';
import type { Bus, ConsumedBatch, Consumer } from '@offsite/bus';
import { checkSiteRules, createDetectionEngine } from '@offsite/detectors';
import { Counter, Gauge, type Logger, type Registry } from '@offsite/runtime';

export interface DetectDeps {
  bus: Bus;
  sites: SiteIndex;
  logger: Logger;
  registry: Registry;
  /** Where engine state is kept across restarts; none → state starts empty. */
  stateFile?: string;
  groupId?: string;
  /** Wall-clock tick for time-driven rules (silent devices, closing hours). */
  tickMs?: number;
  /**
   * Snapshot the engine state after a batch when the last snapshot is older than this. Offsets
   * are committed per batch, so after a crash (not a SIGTERM, which saves last) up to this much
   * committed input is missing from the restored windows. Default 5 s.
   */
  snapshotEveryMs?: number;
  now?: () => number;
}

/**
 * Runs packages/detectors on the readings stream. A batch's anomalies are on
 * `supervision.anomalies.v1` before its offsets are committed; anomaly ids are deterministic, so
 * a replay after a crash re-sends the same anomalies and the lead service absorbs them once.
 */
export function createDetectService(deps: DetectDeps) {
  // overrides are otherwise parsed only when a device first reports: a typo stops start-up instead
  checkSiteRules(deps.sites.sites, 'site registry');
  const now = deps.now ?? Date.now;
  const engine = createDetectionEngine({ sites: (mn: string) => deps.sites.get(mn) });
  const anomaliesOut = new Counter({ name: 'detect_anomalies_total', help: 'Anomalies emitted', labelNames: ['rule'], registers: [deps.registry] });
  const readingsIn = new Counter({ name: 'detect_readings_total', help: 'Readings run through the detectors', registers: [deps.registry] });
  const poison = new Counter({ name: 'detect_deadletters_total', help: 'Messages sent to the dead-letter topic', registers: [deps.registry] });
  const devices = new Gauge({ name: 'detect_devices', help: 'Devices with detection state', registers: [deps.registry] });
  let consumer: Consumer | null = null;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();

  if (deps.stateFile && existsSync(deps.stateFile)) {
    try {
      engine.restore(JSON.parse(readFileSync(deps.stateFile, 'utf8')));
      deps.logger.info({ stateFile: deps.stateFile }, 'detection state restored');
    } catch (err) {
      deps.logger.error({ err, stateFile: deps.stateFile }, 'detection state unreadable: starting empty (replay rebuilds it)');
    }
  }

  async function publish(anomalies: Anomaly[]): Promise<void> {
    if (!anomalies.length) return;
    await deps.bus.send(
      Topics.anomalies,
      anomalies.map((a) => ({ key: a.mn, value: Buffer.from(JSON.stringify(a)), headers: { rule: a.rule } })),
    );
    for (const a of anomalies) anomaliesOut.inc({ rule: a.rule });
  }

  /** Batches and ticks share the engine: serialise them. */
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = chain.then(fn);
    chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async function handle(batch: ConsumedBatch): Promise<void> {
    return serial(async () => {
      const found: Anomaly[] = [];
      const dead: DeadLetter[] = [];
      for (const msg of batch.messages) {
        const text = msg.value.toString('utf8');
        const decoded = decodeReadingBatch(text);
        if (!decoded.ok) {
          dead.push({ source: 'detect', receivedAt: now(), raw: text, error: decoded.error });
          continue;
        }
        readingsIn.inc(decoded.batch.readings.length);
        found.push(...engine.ingest(decoded.batch));
      }
      await publish(found);
      if (deps.stateFile && performance.now() - lastSave >= (deps.snapshotEveryMs ?? 5_000)) saveState();
      if (dead.length) {
        await deps.bus.send(Topics.deadletter, dead.map((d) => ({ key: null, value: Buffer.from(JSON.stringify(d)) })));
        poison.inc(dead.length);
      }
    });
  }

  let lastSave = performance.now(); // wall time: `now` may be a simulated clock
  function saveState(): void {
    if (!deps.stateFile) return;
    lastSave = performance.now();
    mkdirSync(dirname(deps.stateFile), { recursive: true });
    const tmp = `${deps.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(engine.snapshot()));
    renameSync(tmp, deps.stateFile);
  }

  return {
    handle,
    engine,
    /** Time-driven rules (gaps of silent devices) on the wall clock. */
    tick(): Promise<void> {
      return serial(async () => {
        await publish(engine.tick(now()));
        devices.set(engine.deviceCount());
        // Between batches, after their anomalies are out: a snapshot never holds state whose
        // anomalies were not published.
        saveState();
      });
    },
    async start(): Promise<void> {
      consumer = await deps.bus.consume({ groupId: deps.groupId ?? 'detect', topics: [Topics.readings], fromBeginning: true, maxBatchSize: 2000, eachBatch: handle });
      const tickMs = deps.tickMs ?? 60_000;
      timer = setInterval(() => {
        this.tick().catch((err: unknown) => deps.logger.error({ err }, 'detection tick failed'));
      }, tickMs);
      timer.unref();
    },
    async lag(): Promise<number> {
      return consumer ? consumer.lag() : 0;
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await consumer?.stop();
      consumer = null;
      await chain;
      saveState();
    },
  };
}


export type DetectService = ReturnType<typeof createDetectService>;
