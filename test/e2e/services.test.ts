import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ruleCategory } from '@offsite/domain';
import { createPostgresLeadStore, type LeadStore } from '@offsite/lead-store';
import { createLogger } from '@offsite/runtime';
import { infraAvailable } from '@offsite/runtime/testing';
import { createSeriesStore, SeriesStoreEnv, type SeriesStore } from '@offsite/series-store';
import { SimClock, connectMqtt, generateScenario, pump, type ScenarioRun, type SimPacket } from '@offsite/simulators';
import { eventually, rtdPointCount } from './pipeline.js';
import { freshDatabase, runStamp } from './production-infra.js';
import { anomalyVersions, leadDuplicates, leadsOf, verifyAudit } from './services-leads.js';
import { freePort, respawn, spawnService, stopService, waitHealthy, type ServiceName, type ServiceProcess } from './services-procs.js';

/**
 * The production shape: ingest, archive, detect, leads and console as separate processes on the
 * real servers. A breach scenario is played through Mosquitto into ingest while ingest, archive,
 * detect and leads are each stopped (SIGTERM) and started again, one at a time, at different points
 * of the one run; nothing may be lost or written twice.
 */
const ready = infraAvailable('kafka') && infraAvailable('influx') && infraAvailable('postgres') && infraAvailable('mqtt');
const NATIONAL = '000000';
const HOUR = 3_600_000;
/** Simulated hours played; real seconds of play = hours * 3600 / SPEED. */
const HOURS = 12;
const SPEED = 540;
/**
 * When each service is restarted, as a share of the play (the next waits for the previous to be
 * healthy again). The breaches run from about 0.41 to 0.66 of the play: detect and leads are
 * restarted while their anomalies are being emitted and absorbed.
 */
const RESTART_PLAN: Array<[ServiceName, number]> = [
  ['ingest', 0.12],
  ['archive', 0.3],
  ['detect', 0.45],
  ['leads', 0.58],
];
/**
 * Ingest stays down longer than the loggers' 9014 ack timeout (5 s): the broker holds the uploads
 * for its persistent sessions and the loggers resend the unacknowledged ones as well.
 */
const INGEST_DOWN_MS = 7_000;

describe.skipIf(!ready)('services as separate processes on the real servers', () => {
  const stamp = runStamp();
  const workDir = `/tmp/offsite-services-${stamp.id}`;
  const procs = new Map<ServiceName, ServiceProcess>();
  const restarts: Array<{ name: ServiceName; code: number | null; ms: number; downMs: number; sentBefore: number; sentAfter: number; atPlay: number }> = [];
  /** Anomaly versions leads had stored when it was stopped. */
  let absorbedBeforeLeadsStop = new Set<string>();
  const adminToken = `svc-admin-${'x'.repeat(16)}`;
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
      // A client id of this run too: the persistent sessions (clean = false) that must survive the
      // ingest restart are this run's, not those of another run's ingest on the same host.
      ingest: {
        ...common,
        MQTT_URL: process.env.MQTT_URL!,
        INGEST_TCP: 'off',
        INGEST_MQTT_TOPIC_PREFIX: `svc-${stamp.id}/`,
        INGEST_MQTT_GROUP: `svc-${stamp.id}`,
        INGEST_MQTT_CLIENT_ID: `svc-${stamp.id}-ingest`,
        INGEST_CLOCK_SKEW_TOLERANCE_MS: String(48 * HOUR),
      },
      archive: { ...common, ...influx, DATA_DIR: join(workDir, 'archive') },
      detect: { ...common, DATA_DIR: join(workDir, 'detect') },
      // One admin token for both: each start of either sets the admin's token to ADMIN_TOKEN.
      leads: { ...common, DATABASE_URL: db.url, DATA_DIR: join(workDir, 'leads'), ADMIN_TOKEN: adminToken },
      console: { ...common, ...influx, DATABASE_URL: db.url, DATA_DIR: join(workDir, 'console'), CONSOLE_GROUP_SUFFIX: stamp.id, ADMIN_TOKEN: adminToken },
    };
    for (const name of ['ingest', 'archive', 'detect', 'leads'] as const) procs.set(name, spawnService(name, await freePort(), envs[name]));
    // The console after leads is healthy: both create the admin user on a fresh database, and two
    // concurrent first starts race on that insert (ensureAdminToken checks, then inserts).
    await waitHealthy(procs.get('leads')!);
    procs.set('console', spawnService('console', await freePort(), envs.console));
    await Promise.all([...procs.values()].map((p) => waitHealthy(p)));

    series = await createSeriesStore(SeriesStoreEnv.parse({ ...influx, DATA_DIR: workDir }), { logger: createLogger('services-test', 'silent') });
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

  it('loses and duplicates nothing while ingest, archive, detect and leads each restart mid-stream', async () => {
    const clock = new SimClock(scenario.start, SPEED);
    const link = await connectMqtt(scenario.devices, clock, { url: process.env.MQTT_URL!, topicPrefix: `svc-${stamp.id}/hj212`, clientIdPrefix: `svc-${stamp.id}` });
    const playMs = (HOURS * HOUR) / SPEED;
    const mns = scenario.sites.map((s) => s.mn);
    // The clock of the plan starts now; pump begins within milliseconds.
    const playStart = Date.now();
    const restart = async (name: ServiceName) => {
      const old = procs.get(name)!;
      if (name === 'leads') absorbedBeforeLeadsStop = anomalyVersions(await leadsOf(leads, mns));
      const sentBefore = sentSoFar;
      const t0 = Date.now();
      const atPlay = (t0 - playStart) / playMs;
      const stopped = await stopService(old);
      if (name === 'ingest') await new Promise((r) => setTimeout(r, INGEST_DOWN_MS));
      const again = respawn(old);
      procs.set(name, again);
      await waitHealthy(again);
      restarts.push({ name, code: stopped.code, ms: stopped.ms, downMs: Date.now() - t0, sentBefore, sentAfter: sentSoFar, atPlay: Math.round(atPlay * 100) / 100 });
    };
    // One at a time, each at its share of the play, while packets keep flowing.
    const plan = (async () => {
      for (const [name, share] of RESTART_PLAN) {
        await new Promise((r) => setTimeout(r, Math.max(0, playStart + playMs * share - Date.now())));
        await restart(name);
      }
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
    let stats: Awaited<ReturnType<typeof pump>>;
    try {
      stats = await pump(tally(scenario.packets), link.sessions, clock, { speed: SPEED, start: scenario.start });
      sent = stats.sent;
    } finally {
      await link.close();
    }
    await plan;
    process.stderr.write(`services: loggers ${JSON.stringify({ sent: stats.sent, resent: stats.resent, acked: stats.acked, unacked: stats.unacked })}\n`);
    expect(sent).toBeGreaterThan(2000);
    // The loggers resent what ingest did not ack while it was down, and every upload got its ack.
    expect(stats.resent, 'uploads resent while ingest was down').toBeGreaterThan(0);
    expect(stats.unacked, 'uploads never acknowledged').toBe(0);
    expect(restarts.map((r) => [r.name, r.code])).toEqual(RESTART_PLAN.map(([name]) => [name, 0]));
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

  it('turns each injected breach into exactly one exceedance lead across the leads restart, audit chains intact', async () => {
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
      const got = hit ? '' : (await leads.listAnomalies(NATIONAL, { mn: label.mn }, null, 100)).items.map((a) => `${a.rule}/${a.pollutant}@${new Date(a.start).toISOString()}–${new Date(a.end).toISOString()}`);
      expect(hit, `breach on ${label.mn} ${label.pollutant} ${label.start}–${label.end}; anomalies stored: ${String(got)}`).toBeDefined();
      expect([ruleCategory.breach, 'tampering']).toContain(lead?.category);
    }

    const mns = scenario.sites.map((s) => s.mn);
    const stored = await leadsOf(leads, mns);
    // Leads was stopped while anomalies flowed: it had absorbed some, and absorbed more after its restart.
    const absorbedAfter = [...anomalyVersions(stored)].filter((v) => !absorbedBeforeLeadsStop.has(v));
    expect(absorbedBeforeLeadsStop.size, 'anomaly versions stored before leads stopped').toBeGreaterThan(0);
    expect(absorbedAfter.length, 'anomaly versions absorbed after leads restarted').toBeGreaterThan(0);
    // One lead per device's breach episode (the run is far shorter than the correlation window).
    for (const mn of new Set(scenario.truth.map((t) => t.mn))) {
      const breachLeads = new Set(stored.find((d) => d.mn === mn)!.anomalies.filter((a) => a.rule === 'breach').map((a) => a.leadId));
      expect([...breachLeads], `${mn}: leads of its breach anomalies`).toHaveLength(1);
    }
    expect(leadDuplicates(stored)).toEqual([]);
    const leadIds = stored.flatMap((d) => d.leads.map((l) => l.id));
    const verdicts = await Promise.all(leadIds.map((id) => verifyAudit(procs.get('console')!.httpPort, adminToken, id)));
    for (const v of verdicts) {
      expect(v.status, `audit/verify ${v.leadId}`).toBe(200);
      expect(v.ok, `audit chain of ${v.leadId}`).toBe(true);
      expect(v.entries, `audit entries of ${v.leadId}`).toBeGreaterThan(0);
    }
    process.stderr.write(
      `services: leads ${JSON.stringify({ leads: leadIds.length, anomalies: stored.reduce((n, d) => n + d.anomalies.length, 0), versionsBeforeLeadsStop: absorbedBeforeLeadsStop.size, versionsAfter: absorbedAfter.length, auditEntries: verdicts.map((v) => v.entries) })}\n`,
    );
  }, 60_000);

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
