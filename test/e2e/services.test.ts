import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleCategory } from '@offsite/domain';
import { createPostgresLeadStore, type LeadStore } from '@offsite/lead-store';
import { createLogger } from '@offsite/runtime';
import { infraAvailable } from '@offsite/runtime/testing';
import { createSeriesStore, type SeriesStore } from '@offsite/series-store';
import { SimClock, connectMqtt, generateScenario, pump, type ScenarioRun, type SimPacket } from '@offsite/simulators';
import { eventually, rtdPointCount } from './pipeline.js';
import { freshDatabase, runStamp } from './production-infra.js';
import { freePort, respawn, spawnService, stopService, waitHealthy, type ServiceName, type ServiceProcess } from './services-procs.js';

/**
 * The production shape: ingest, archive, detect, leads and console as separate processes on the
 * real servers. A breach scenario is played through Mosquitto into ingest while archive and then
 * detect are stopped (SIGTERM) and started again; nothing may be lost or written twice.
 */
const ready = infraAvailable('kafka') && infraAvailable('influx') && infraAvailable('postgres') && infraAvailable('mqtt');
const NATIONAL = '000000';
const HOUR = 3_600_000;
/** Simulated hours played; real seconds of play = hours * 3600 / SPEED. */
const HOURS = 10;
const SPEED = 600;

describe.skipIf(!ready)('services as separate processes on the real servers', () => {
  const stamp = runStamp();
  const workDir = `/tmp/offsite-services-${stamp.id}`;
  const procs = new Map<ServiceName, ServiceProcess>();
  const restarts: Array<{ name: ServiceName; code: number | null; ms: number; sentBefore: number; sentAfter: number }> = [];
  let sentSoFar = 0;
  const finalStops: Array<{ name: ServiceName; code: number | null; signal: string | null; ms: number }> = [];
  const rtdSent = new Map<string, number>();
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  let scenario: ScenarioRun;
  let sent = 0;
  let series: SeriesStore;
  let leads: LeadStore;

  beforeAll(async () => {
    db = await freshDatabase(process.env.DATABASE_URL!, `offsite_svc_${stamp.id}`);
    // History of the last HOURS, replayed SPEED times faster than real time: data times stay in the
    // past of the services' wall clock (ingest's clock cannot be simulated in another process).
    const start = Math.floor((Date.now() - HOURS * HOUR) / 60_000) * 60_000;
    scenario = generateScenario({ name: 'breach', devices: 4, seed: 5, start, durationMs: HOURS * HOUR, firstIndex: stamp.firstIndex });
    mkdirSync(workDir, { recursive: true });
    const sitesFile = join(workDir, 'sites.json');
    writeFileSync(sitesFile, JSON.stringify({ sites: scenario.sites }));

    const common = { KAFKA_BROKERS: process.env.KAFKA_BROKERS!, SITES_FILE: sitesFile, LOG_LEVEL: 'warn' };
    const influx = { INFLUX_URL: process.env.INFLUX_URL!, INFLUX_TOKEN: process.env.INFLUX_TOKEN!, INFLUX_ORG: process.env.INFLUX_ORG!, INFLUX_BUCKET: process.env.INFLUX_BUCKET! };
    const envs: Record<ServiceName, Record<string, string>> = {
      // A topic root and share group of this run: no other ingest on the broker sees these packets.
      ingest: { ...common, MQTT_URL: process.env.MQTT_URL!, INGEST_TCP: 'off', INGEST_MQTT_TOPIC_PREFIX: `svc-${stamp.id}/`, INGEST_MQTT_GROUP: `svc-${stamp.id}`, INGEST_CLOCK_SKEW_TOLERANCE_MS: String(48 * HOUR) },
      archive: { ...common, ...influx, DATA_DIR: join(workDir, 'archive') },
      detect: { ...common, DATA_DIR: join(workDir, 'detect') },
      leads: { ...common, DATABASE_URL: db.url, DATA_DIR: join(workDir, 'leads') },
      console: { ...common, ...influx, DATABASE_URL: db.url, DATA_DIR: join(workDir, 'console'), CONSOLE_GROUP_SUFFIX: stamp.id },
    };
    for (const name of Object.keys(envs) as ServiceName[]) procs.set(name, spawnService(name, await freePort(), envs[name]));
    await Promise.all([...procs.values()].map((p) => waitHealthy(p)));

    series = await createSeriesStore({ ...influx, DATA_DIR: workDir, INFLUX_BATCH_SIZE: 5000, INFLUX_FLUSH_INTERVAL_MS: 0 }, { logger: createLogger('services-test', 'silent') });
    leads = await createPostgresLeadStore({ connectionString: db.url });
  }, 150_000);

  afterAll(async () => {
    for (const p of procs.values()) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await series?.close();
    await leads?.close();
    await db?.drop();
    rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  it('answers /healthz 200 and /metrics with Prometheus text in every process', async () => {
    for (const p of procs.values()) {
      const health = await fetch(`http://127.0.0.1:${p.httpPort}/healthz`);
      expect(health.status, `${p.name} /healthz`).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${p.httpPort}/metrics`);
      expect(metrics.status, `${p.name} /metrics`).toBe(200);
      expect(metrics.headers.get('content-type') ?? '').toMatch(/^text\/plain/);
      const text = await metrics.text();
      expect(text, `${p.name} /metrics`).toMatch(/^# HELP \S+ /m);
      expect(text).toMatch(/^# TYPE \S+ (counter|gauge|histogram|summary)$/m);
    }
  });

  it('loses and duplicates nothing while archive and then detect restart mid-stream', async () => {
    const clock = new SimClock(scenario.start, SPEED);
    const link = await connectMqtt(scenario.devices, clock, { url: process.env.MQTT_URL!, topicPrefix: `svc-${stamp.id}/hj212`, clientIdPrefix: `svc-${stamp.id}` });
    const playMs = (HOURS * HOUR) / SPEED;
    const restart = async (name: ServiceName) => {
      const old = procs.get(name)!;
      const sentBefore = sentSoFar;
      const stopped = await stopService(old);
      const again = respawn(old);
      procs.set(name, again);
      await waitHealthy(again);
      restarts.push({ name, code: stopped.code, ms: stopped.ms, sentBefore, sentAfter: sentSoFar });
    };
    // Restarts at about a quarter and a half of the play, while packets keep flowing.
    const plan = (async () => {
      await new Promise((r) => setTimeout(r, playMs * 0.25));
      await restart('archive');
      await new Promise((r) => setTimeout(r, Math.max(0, playMs * 0.25)));
      await restart('detect');
    })();
    function* tally(packets: Iterable<SimPacket>): Generator<SimPacket> {
      const seen = new Set<string>();
      for (const p of packets) {
        const key = `${p.mn}|${p.dataTime}`;
        if (p.cn === '2011' && !seen.has(key)) {
          seen.add(key);
          rtdSent.set(p.mn, (rtdSent.get(p.mn) ?? 0) + rtdPointCount(p));
        }
        sentSoFar++;
        yield p;
      }
    }
    try {
      const stats = await pump(tally(scenario.packets), link.sessions, clock, { speed: SPEED, start: scenario.start });
      sent = stats.sent;
    } finally {
      await link.close();
    }
    await plan;
    expect(sent).toBeGreaterThan(2000);
    expect(restarts.map((r) => [r.name, r.code])).toEqual([
      ['archive', 0],
      ['detect', 0],
    ]);
    for (const r of restarts) {
      expect(r.ms, `${r.name} graceful stop`).toBeLessThan(10_000);
      // Mid-stream: packets went out before the stop and while the service was away.
      expect(r.sentBefore, `${r.name} stopped after the stream began`).toBeGreaterThan(0);
      expect(r.sentAfter, `${r.name} was away while packets flowed`).toBeGreaterThan(r.sentBefore);
      expect(r.sentAfter, `${r.name} back before the stream ended`).toBeLessThan(sent);
    }

    // Every real-time point of every device, exactly once (same count, no duplicate key).
    const counts = async () =>
      Promise.all(
        scenario.sites.map(async (s) => {
          const pts = await series.range({ mn: s.mn, kind: 'rtd', from: scenario.start - HOUR, to: scenario.end + HOUR });
          return { mn: s.mn, n: pts.length, unique: new Set(pts.map((p) => `${p.time}|${p.pollutant}`)).size };
        }),
      );
    await eventually(async () => (await counts()).every((c) => c.n === rtdSent.get(c.mn)), 60_000, 1_000);
    for (const c of await counts()) {
      expect(c.unique, `${c.mn}: duplicate points`).toBe(c.n);
      expect(c.n, `${c.mn}: rtd points in InfluxDB vs sent`).toBe(rtdSent.get(c.mn));
    }
  }, 150_000);

  it('turns each injected breach into an exceedance lead', async () => {
    expect(scenario.truth.length).toBeGreaterThan(0);
    const found = async () =>
      Promise.all(
        scenario.truth.map(async (label) => {
          const anomalies = (await leads.listAnomalies(NATIONAL, { mn: label.mn, rule: 'breach' }, null, 100)).items;
          const hit = anomalies.find((a) => a.start < Date.parse(label.end) && a.end >= Date.parse(label.start) && (a.pollutant === null || a.pollutant === label.pollutant));
          const lead = hit?.leadId ? (await leads.listLeads(NATIONAL, { mn: label.mn }, null, 100)).items.find((l) => l.id === hit.leadId) : undefined;
          return { label, hit, lead };
        }),
      );
    await eventually(async () => (await found()).every((f) => f.lead), 30_000, 1_000);
    for (const { label, hit, lead } of await found()) {
      expect(hit, `breach on ${label.mn} ${label.pollutant} ${label.start}–${label.end}`).toBeDefined();
      expect([ruleCategory.breach, 'tampering']).toContain(lead?.category);
    }
  });

  it('exits 0 on SIGTERM within a few seconds, every process', async () => {
    const stops = await Promise.all([...procs.values()].map(async (p) => ({ name: p.name, ...(await stopService(p)) })));
    finalStops.push(...stops);
    for (const s of stops) {
      expect(s.code, `${s.name} exit code (signal ${s.signal}):\n${procs.get(s.name)!.tail()}`).toBe(0);
      expect(s.ms, `${s.name} shutdown time`).toBeLessThan(10_000);
    }
    process.stderr.write(`services: restarts ${JSON.stringify(restarts)}; final stops ${JSON.stringify(finalStops)}\n`);
  });
});
