/**
 * End-to-end benchmark of the production shape on this machine: a fleet of stacks (default 5,000,
 * HJ 212 every 30 s) time-accelerated through Mosquitto → ingest → Kafka → archive (InfluxDB) /
 * detect → leads (PostgreSQL). archive, detect and leads run as their own processes
 * (services/<name>/src/main.ts); ingest runs in this process because its arrival clock must follow
 * the simulated one (a separate ingest would see accelerated data as skewed or late).
 *
 * Latency: a few breach devices are pre-loaded with a history whose last hour exceeds the limit;
 * the hour closes with their first packet of the measured phase, so publish → anomaly and publish →
 * lead are timed from that publish to the arrival on supervision.anomalies.v1 / supervision.leads.v1.
 *
 * Env: BENCH_E2E_DEVICES (5000), BENCH_E2E_SPEED (simulated s per real s, 10), BENCH_E2E_SECONDS
 * (measured phase, 60). JSON lines on stdout; progress on stderr. Needs the four servers.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Anomaly, LeadEvent, SiteIndex, Topics } from '@offsite/domain';
import { createBus } from '@offsite/bus';
import { startIngest } from '@offsite/ingest';
import { createLogger, createMetrics } from '@offsite/runtime';
import { SimClock, connectMqtt, generateScenario, packetStream, pump, type SimPacket } from '@offsite/simulators';
import { rtdPointCount } from '../pipeline.js';
import { freshDatabase, runStamp } from '../production-infra.js';
import { freePort, spawnService, stopService, waitHealthy, type ServiceName, type ServiceProcess } from '../services-procs.js';

const HOUR = 3_600_000;
const INTERVAL = 30_000;
const DEVICES = Number(process.env.BENCH_E2E_DEVICES ?? 5000);
const SPEED = Number(process.env.BENCH_E2E_SPEED ?? 10);
const SECONDS = Number(process.env.BENCH_E2E_SECONDS ?? 60);
const BREACH_DEVICES = 16;
const BENCH = 'e2e.production';

const emit = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify({ bench: BENCH, ...o }) + '\n');
const log = (s: string) => process.stderr.write(`[e2e.bench] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A clock the sessions and ingest share, switched from the pre-load phase to the paced one. */
class SwitchClock extends SimClock {
  current: SimClock;
  constructor(first: SimClock) {
    super(0, 'max');
    this.current = first;
  }
  override begin(): void {
    this.current.begin();
  }
  override now(): number {
    return this.current.now();
  }
  override advanceTo(t: number): void {
    this.current.advanceTo(t);
  }
  override delayUntil(t: number): number {
    return this.current.delayUntil(t);
  }
}

/** Splits a send-ordered stream at simulated time `t`: what is due before, then the rest. */
function splitAt(packets: Iterable<SimPacket>, t: number): { before: Generator<SimPacket>; after: Generator<SimPacket> } {
  const it = packets[Symbol.iterator]();
  let held: SimPacket | null = null;
  return {
    before: (function* () {
      for (let n = it.next(); !n.done; n = it.next()) {
        if (n.value.sendAt >= t) {
          held = n.value;
          return;
        }
        yield n.value;
      }
    })(),
    after: (function* () {
      if (held) yield held;
      for (let n = it.next(); !n.done; n = it.next()) yield n.value;
    })(),
  };
}

function* merge(a: Iterable<SimPacket>, b: Iterable<SimPacket>): Generator<SimPacket> {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  let x = ia.next();
  let y = ib.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value.sendAt <= y.value.sendAt)) {
      yield x.value as SimPacket;
      x = ia.next();
    } else {
      yield y.value;
      y = ib.next();
    }
  }
}

async function scrape(p: ServiceProcess, metric: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${p.httpPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(metric) && (line[metric.length] === ' ' || line[metric.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

const percentile = (xs: number[], q: number): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

async function main(): Promise<void> {
  const missing = ['KAFKA_BROKERS', 'INFLUX_URL', 'INFLUX_TOKEN', 'INFLUX_ORG', 'INFLUX_BUCKET', 'DATABASE_URL', 'MQTT_URL'].filter((v) => !process.env[v]);
  if (missing.length) {
    log(`skipped: ${missing.join(', ')} not set (bash infra/local/up.sh && eval "$(bash infra/local/env.sh)")`);
    emit({ metric: 'skipped (servers not configured)', value: null });
    return;
  }
  const stamp = runStamp();
  const workDir = `/tmp/offsite-e2e-bench-${stamp.id}`;
  mkdirSync(workDir, { recursive: true });
  // Simulated time starts on the hour an hour or two ahead of the wall clock: detect's wall-clock
  // tick then never closes an hour ahead of the data, and nothing looks late.
  const S = Math.ceil((Date.now() + HOUR) / HOUR) * HOUR;

  // Breach devices: history S-2h..S+30min, the upset filling the hour before S (hourWindow(0.4, 3h) of a 2.5 h run).
  const breach = generateScenario({ name: 'breach', devices: BREACH_DEVICES, seed: 3, start: S - 2 * HOUR, durationMs: 2.5 * HOUR, intervalMs: INTERVAL, firstIndex: stamp.firstIndex });
  const targets = new Map(breach.truth.map((t) => [t.mn, t]));
  for (const t of breach.truth) if (Date.parse(t.start) !== S - HOUR || Date.parse(t.end) !== S) throw new Error(`breach window ${t.start}–${t.end} is not the hour before ${new Date(S).toISOString()}`);
  const { before: preload, after: breachLive } = splitAt(breach.packets, S);

  // The fleet: air stacks (coal, gas) of the honest scenario, half of its rotation.
  const honest = generateScenario({ name: 'honest', devices: 2 * DEVICES, seed: 4, start: S, durationMs: 2 * HOUR, intervalMs: INTERVAL, firstIndex: 500_000 });
  const stacks = honest.devices.filter((d) => d.site.kind === 'air').slice(0, DEVICES);
  const fleetMns = new Set(stacks.map((d) => d.site.mn));
  const sites = [...breach.sites, ...stacks.map((d) => d.site)];
  const sitesFile = join(workDir, 'sites.json');
  writeFileSync(sitesFile, JSON.stringify({ sites }));
  log(`fleet ${stacks.length} stacks + ${BREACH_DEVICES} breach devices (${targets.size} targets), speed ${SPEED}x, ${SECONDS} s measured`);

  const db = await freshDatabase(process.env.DATABASE_URL!, `offsite_bench_${stamp.id}`);
  const common = { KAFKA_BROKERS: process.env.KAFKA_BROKERS!, SITES_FILE: sitesFile, LOG_LEVEL: 'warn' };
  const influx = { INFLUX_URL: process.env.INFLUX_URL!, INFLUX_TOKEN: process.env.INFLUX_TOKEN!, INFLUX_ORG: process.env.INFLUX_ORG!, INFLUX_BUCKET: process.env.INFLUX_BUCKET! };
  const envs: Array<[ServiceName, Record<string, string>]> = [
    ['archive', { ...common, ...influx, DATA_DIR: join(workDir, 'archive') }],
    ['detect', { ...common, DATA_DIR: join(workDir, 'detect') }],
    ['leads', { ...common, DATABASE_URL: db.url, DATA_DIR: join(workDir, 'leads') }],
  ];
  const procs = new Map<ServiceName, ServiceProcess>();
  for (const [name, env] of envs) procs.set(name, spawnService(name, await freePort(), env));
  const bus = createBus({ kafkaBrokers: process.env.KAFKA_BROKERS!.split(','), clientId: `bench-e2e-${stamp.id}`, logger: createLogger('bench-bus', 'warn') });
  let link: Awaited<ReturnType<typeof connectMqtt>> | null = null;
  let ingest: Awaited<ReturnType<typeof startIngest>> | null = null;
  const consumers: Array<{ stop(): Promise<void> }> = [];
  try {
    await Promise.all([...procs.values()].map((p) => waitHealthy(p)));
    log('archive, detect, leads healthy');

    // Arrivals on the supervision topics, by MN (first anomaly / first lead event of each).
    const anomalyAt = new Map<string, number>();
    // Lead events are kept whole and matched later: the two consumers are independent, so a
    // lead event may be handled before the breach anomaly that it holds (matching on arrival
    // missed such leads, which looked like lead events never sent).
    const leadEvents: Array<{ mn: string; anomalies: string[]; at: number }> = [];
    const leadAt = () => {
      const at = new Map<string, number>();
      for (const e of leadEvents) if (!at.has(e.mn) && e.anomalies.some((id) => breachIds.has(id))) at.set(e.mn, e.at);
      return at;
    };
    const breachIds = new Set<string>();
    let fleetAnomalies = 0;
    const fleetRules = new Map<string, number>();
    consumers.push(
      await bus.consume({
        groupId: `bench-e2e-anomalies-${stamp.id}`,
        topics: [Topics.anomalies],
        eachBatch: async (b) => {
          const now = Date.now();
          for (const m of b.messages) {
            const a = Anomaly.safeParse(JSON.parse(m.value.toString('utf8')));
            if (!a.success) continue;
            if (targets.has(a.data.mn) && a.data.rule === 'breach' && !anomalyAt.has(a.data.mn)) {
              anomalyAt.set(a.data.mn, now);
              breachIds.add(a.data.id);
            }
            if (fleetMns.has(a.data.mn)) {
              fleetAnomalies++;
              fleetRules.set(a.data.rule, (fleetRules.get(a.data.rule) ?? 0) + 1);
            }
          }
        },
      }),
      await bus.consume({
        groupId: `bench-e2e-leads-${stamp.id}`,
        topics: [Topics.leads],
        eachBatch: async (b) => {
          const now = Date.now();
          for (const m of b.messages) {
            const e = LeadEvent.safeParse(JSON.parse(m.value.toString('utf8')));
            // The lead that holds the breach anomaly (not one opened by another rule earlier).
            if (e.success && targets.has(e.data.mn)) leadEvents.push({ mn: e.data.mn, anomalies: e.data.anomalies, at: now });
          }
        },
      }),
    );

    const preClock = new SimClock(S - 2 * HOUR, 'max');
    const clock = new SwitchClock(preClock);
    const registry = createMetrics('ingest');
    ingest = await startIngest({
      bus,
      sites: new SiteIndex(sites),
      logger: createLogger('ingest', 'warn'),
      registry,
      clock: () => Math.floor(clock.now()) + 1_000,
      // A paced run is late by its delivery delays times SPEED: tolerate that much logger-clock drift.
      options: { clockSkewToleranceMs: 30 * 60_000 },
      mqtt: { url: process.env.MQTT_URL!, protocol: 'auto', shared: 'auto', group: `bench-${stamp.id}`, topicPrefix: `bench-${stamp.id}/`, clients: 4 },
    });
    link = await connectMqtt([...breach.devices, ...stacks], clock, { url: process.env.MQTT_URL!, topicPrefix: `bench-${stamp.id}/hj212`, clientIdPrefix: `bench-${stamp.id}`, connections: 8 });
    log(`ingest subscribed (${ingest.mqtt?.subscriptions.join(', ')}), ${stacks.length + BREACH_DEVICES} devices on 8 MQTT connections`);

    const pre = await pump(preload, link.sessions, clock, { speed: 'max', start: S - 2 * HOUR, lingerMs: 2_000 });
    log(`pre-load: ${pre.sent} packets of the breach devices in ${(pre.elapsedMs / 1000).toFixed(1)} s`);
    const readingsCounter = async () => (await registry.getSingleMetricAsString('ingest_readings_total')).split('\n').filter((l) => l.startsWith('ingest_readings_total')).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    // Let archive and detect take the pre-load in before the clock starts.
    for (let i = 0; i < 60; i++) {
      const [a, d] = await Promise.all([scrape(procs.get('archive')!, 'archive_points_written_total'), scrape(procs.get('detect')!, 'detect_readings_total')]);
      if (a >= (await readingsCounter()) && d >= (await readingsCounter())) break;
      await sleep(500);
    }

    // Measured phase: paced fleet + the breach devices' live packets.
    const live = new SimClock(S, SPEED);
    clock.current = live;
    const firstLivePublish = new Map<string, number>();
    let published = 0;
    let publishedReadings = 0;
    let rtdPackets = 0;
    let lastSendAt = S;
    function* tap(packets: Iterable<SimPacket>): Generator<SimPacket> {
      for (const p of packets) {
        if (targets.has(p.mn) && !firstLivePublish.has(p.mn)) firstLivePublish.set(p.mn, Date.now());
        published++;
        if (p.cn === '2011') {
          publishedReadings += rtdPointCount(p);
          rtdPackets++;
        }
        lastSendAt = p.sendAt;
        yield p;
      }
    }
    const base = { ingest: await readingsCounter(), archive: await scrape(procs.get('archive')!, 'archive_points_written_total'), detect: await scrape(procs.get('detect')!, 'detect_readings_total') };
    const abort = new AbortController();
    const t0 = Date.now();
    const timer = setTimeout(() => abort.abort(), SECONDS * 1000);
    const samples: Array<{ t: number; ingest: number; archive: number; detect: number }> = [];
    const sampler = setInterval(() => {
      void Promise.all([readingsCounter(), scrape(procs.get('archive')!, 'archive_points_written_total'), scrape(procs.get('detect')!, 'detect_readings_total')]).then(([i, a, d]) => {
        samples.push({ t: Date.now() - t0, ingest: i - base.ingest, archive: a - base.archive, detect: d - base.detect });
        log(`t=${((Date.now() - t0) / 1000).toFixed(0)} s sim +${((lastSendAt - S) / 60_000).toFixed(1)} min: published ${publishedReadings} readings, ingest ${i - base.ingest}, archive ${a - base.archive}, detect ${d - base.detect}`);
      });
    }, 5_000);
    const stats = await pump(tap(merge(breachLive, packetStream(stacks, S, S + 2 * HOUR, INTERVAL))), link.sessions, clock, { speed: SPEED, start: S, signal: abort.signal, lingerMs: 0, maxInFlight: 4000 });
    clearTimeout(timer);
    const wallS = (Date.now() - t0) / 1000;
    const simS = (lastSendAt - S) / 1000;
    // Drain: wait (bounded) until archive and detect have what ingest sent.
    const drainStart = Date.now();
    let end = { ingest: 0, archive: 0, detect: 0 };
    for (;;) {
      end = { ingest: (await readingsCounter()) - base.ingest, archive: (await scrape(procs.get('archive')!, 'archive_points_written_total')) - base.archive, detect: (await scrape(procs.get('detect')!, 'detect_readings_total')) - base.detect };
      const leads = leadAt();
      const leadsIn = [...targets.keys()].every((mn) => leads.has(mn));
      if ((end.archive >= end.ingest && end.detect >= end.ingest && leadsIn) || Date.now() - drainStart > 30_000) break;
      await sleep(500);
    }
    clearInterval(sampler);
    const drainS = (Date.now() - drainStart) / 1000;
    log(`measured ${wallS.toFixed(1)} s wall, ${simS.toFixed(0)} s simulated; drain ${drainS.toFixed(1)} s; ${JSON.stringify(end)}`);

    const ctx = { devices: stacks.length, factorsPerStack: 9, intervalS: INTERVAL / 1000, targetSpeed: SPEED, wallSeconds: Number(wallS.toFixed(1)) };
    // What the fleet sends in real time: stacks x real-time values per CN 2011 packet / interval.
    const realTimeReadingsPerS = (stacks.length * publishedReadings) / Math.max(1, rtdPackets) / (INTERVAL / 1000);
    emit({ metric: 'acceleration achieved (simulated s per real s)', value: Number((simS / wallS).toFixed(2)), unit: 'x', ...ctx });
    emit({ metric: 'fleet real-time load', value: Math.round(realTimeReadingsPerS), unit: 'readings/s', ...ctx });
    emit({ metric: 'published (MQTT QoS 1), real-time values', value: Math.round(publishedReadings / wallS), unit: 'readings/s', packetsPerS: Math.round(stats.sent / wallS), packets: published, ...ctx });
    // Sustained = over the measured phase only (the drain is excluded).
    const atEnd = [...samples].reverse().find((s) => s.t <= wallS * 1000) ?? { ingest: end.ingest, archive: end.archive, detect: end.detect, t: wallS * 1000 };
    const rate = (n: number) => Math.round(n / (atEnd.t / 1000));
    emit({ metric: 'ingest → Kafka (real-time + aggregate values)', value: rate(atEnd.ingest), unit: 'readings/s', ...ctx });
    emit({ metric: 'archive → InfluxDB', value: rate(atEnd.archive), unit: 'points/s', ...ctx });
    emit({ metric: 'detect', value: rate(atEnd.detect), unit: 'readings/s', ...ctx });
    emit({ metric: 'backlog at end of publish (archive)', value: Math.max(0, atEnd.ingest - atEnd.archive), unit: 'readings', ...ctx });
    emit({ metric: 'backlog at end of publish (detect)', value: Math.max(0, atEnd.ingest - atEnd.detect), unit: 'readings', ...ctx });
    emit({ metric: 'drain after publish', value: Number(drainS.toFixed(1)), unit: 's', ...ctx });

    const lat = (arrivals: Map<string, number>) => [...arrivals].filter(([mn]) => firstLivePublish.has(mn)).map(([mn, at]) => at - firstLivePublish.get(mn)!);
    const toAnomaly = lat(anomalyAt);
    const toLead = lat(leadAt());
    for (const [name, xs] of [['publish → anomaly', toAnomaly], ['publish → lead', toLead]] as const) {
      emit({ metric: `${name} p50`, value: percentile(xs, 0.5), unit: 'ms', samples: xs.length, of: targets.size, ...ctx });
      emit({ metric: `${name} p99`, value: percentile(xs, 0.99), unit: 'ms', samples: xs.length, of: targets.size, ...ctx });
    }
    // Delivery accounting: packets the loggers published vs what reached ingest (and what it did with them).
    const counter = async (name: string) => (await registry.getSingleMetricAsString(name)).split('\n').filter((l) => l.startsWith(name)).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
    // Session stats are cumulative over both phases (pre-load + measured).
    const delivery = { published: stats.sent, resent: stats.resent, acked: stats.acked, unacked: stats.unacked, ingestIn: await counter('ingest_packets_in_total'), accepted: await counter('ingest_packets_accepted_total'), rejected: await counter('ingest_packets_rejected_total'), duplicates: await counter('ingest_duplicates_total'), preloadPackets: pre.sent };
    log(`delivery: ${JSON.stringify(delivery)}`);
    emit({ metric: 'packets accepted by ingest / published', value: Number((delivery.accepted / delivery.published).toFixed(4)), unit: 'ratio', ...delivery, ...ctx });
    emit({ metric: 'anomalies on honest fleet stacks', value: fleetAnomalies, unit: 'anomalies', rules: Object.fromEntries(fleetRules), ...ctx });
  } finally {
    for (const c of consumers) await c.stop().catch(() => undefined);
    await ingest?.stop().catch(() => undefined);
    await link?.close().catch(() => undefined);
    for (const p of procs.values()) {
      const s = await stopService(p);
      if (s.code !== 0) log(`${p.name} exited with ${s.code ?? s.signal}:\n${p.tail()}`);
    }
    await bus.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
