/**
 * series-store benchmark. stdout: one JSON line per figure; progress on stderr.
 * - influx write points/s through the adapter (batchSize stated) beside the raw
 *   @influxdata/influxdb-client WriteApi for the same points in the same run, and their ratio;
 * - embedded (in-memory PGlite) write points/s;
 * - query latency (median of 5) for one site's 24 h of 30-s data (10 pollutants): range of one
 *   pollutant, range of all pollutants, hourly of one pollutant; on both adapters.
 * Without INFLUX_* the InfluxDB figures are skipped with a JSON line saying so.
 */
import { randomUUID } from 'node:crypto';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { createLogger } from '@offsite/runtime';
import { createEmbeddedSeriesStore, createInfluxSeriesStore, type SeriesPoint, type SeriesStore } from '../src/index.js';

const BENCH = 'series-store';
const BATCH_SIZE = 5000;
const POLLUTANTS = ['a21026', 'a21002', 'a34013', 'a19001', 'a01012', 'a01013', 'a01011', 'a01014', 'a00000', 'a21005'];
const STEP = 30_000;
const DAY = 86_400_000;
const DAY0 = Date.UTC(2025, 5, 1) - 8 * 3_600_000;
const WRITE_SITES = 3; // 3 × 28,800 = 86,400 points per write run
const started = Date.now();
const deadline = started + 85_000;
const logger = createLogger('series-bench', process.env.LOG_LEVEL ?? 'warn');

const emit = (metric: string, value: number | null, unit: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ bench: `${BENCH}.${metric.split(':')[0]}`, metric: metric.split(':')[1] ?? metric, value, unit, ...extra }));
const progress = (msg: string) => process.stderr.write(`[series.bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}\n`);

function siteDay(mn: string): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let t = DAY0, i = 0; t < DAY0 + DAY; t += STEP, i++) {
    for (const [j, pollutant] of POLLUTANTS.entries()) {
      const value = Math.round((20 + j + 5 * Math.sin(i / 40)) * 100) / 100;
      out.push({ mn, kind: 'rtd', pollutant, time: t, value, converted: value * 1.1, flag: i % 50 === 0 ? 'M' : 'N', text: value.toFixed(2), region: '320500', enterprise: 'bench', outlet: 'DA001' });
    }
  }
  return out;
}

function sites(prefix: string, n: number): SeriesPoint[] {
  return Array.from({ length: n }, (_, i) => siteDay(`${prefix}${i}`)).flat();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function latencies(store: SeriesStore, mn: string, adapter: string): Promise<void> {
  const runs: [string, () => Promise<unknown>][] = [
    ['range_one_pollutant_24h', () => store.range({ mn, kind: 'rtd', pollutant: 'a21026', from: DAY0, to: DAY0 + DAY })],
    ['range_all_pollutants_24h', () => store.range({ mn, kind: 'rtd', from: DAY0, to: DAY0 + DAY })],
    ['hourly_one_pollutant_24h', () => store.hourly({ mn, pollutant: 'a21026', from: DAY0, to: DAY0 + DAY })],
  ];
  for (const [name, run] of runs) {
    await run(); // warm
    const ms: number[] = [];
    for (let i = 0; i < 5 && Date.now() < deadline; i++) {
      const t0 = performance.now();
      await run();
      ms.push(performance.now() - t0);
    }
    emit(`${adapter}_query:${name}`, Math.round(median(ms) * 10) / 10, 'ms', { adapter, runs: ms.length, pointsPerPollutant: DAY / STEP, pollutants: POLLUTANTS.length, stat: 'median' });
  }
}

async function rawWriteApi(url: string, token: string, org: string, bucket: string, points: SeriesPoint[]): Promise<number> {
  let acked = 0;
  let failed: Error | undefined;
  const api = new InfluxDB({ url, token }).getWriteApi(org, bucket, 'ms', {
    batchSize: BATCH_SIZE,
    flushInterval: 0,
    maxRetries: 0,
    gzipThreshold: 64 * 1024,
    writeSuccess: (lines) => void (acked += lines.length),
    writeFailed: (err) => void (failed = err),
  });
  const t0 = performance.now();
  for (const p of points) {
    const pt = new Point(p.kind).tag('mn', p.mn).tag('pollutant', p.pollutant).tag('region', p.region ?? '').tag('enterprise', p.enterprise ?? '').tag('outlet', p.outlet ?? '');
    if (p.value !== null) pt.floatField('value', p.value);
    if (p.converted != null) pt.floatField('converted', p.converted);
    if (p.flag !== null) pt.stringField('flag', p.flag);
    if (p.text != null) pt.stringField('text', p.text);
    api.writePoint(pt.timestamp(p.time));
  }
  await api.flush();
  // Batches auto-flushed while writing are in flight independently: wait for all their answers.
  while (acked < points.length && !failed) await new Promise((r) => setTimeout(r, 2));
  const seconds = (performance.now() - t0) / 1000;
  await api.close();
  if (failed) throw failed;
  return points.length / seconds;
}

async function influxBench(): Promise<void> {
  const { INFLUX_URL: url, INFLUX_TOKEN: token, INFLUX_ORG: org, INFLUX_BUCKET: bucket } = process.env;
  if (!url || !token || !org || !bucket) {
    emit('influx_write:points_per_second', null, 'points/s', { skipped: 'INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET not set (eval "$(bash infra/local/env.sh)")' });
    return;
  }
  const run = randomUUID().slice(0, 6).toUpperCase();
  const store = createInfluxSeriesStore({ url, token, org, bucket, logger, batchSize: BATCH_SIZE });
  try {
    progress('influx warm-up');
    await store.write(siteDay(`BW${run}A`).slice(0, 10_000));
    await rawWriteApi(url, token, org, bucket, siteDay(`BW${run}R`).slice(0, 10_000));

    // Two rounds in alternating order (raw first, then adapter first), so neither side always
    // meets a warmer or busier server; each rate is the mean of its two runs.
    const rates = { raw: [] as number[], adapter: [] as number[] };
    const adapterRun = async (points: SeriesPoint[]) => {
      const t0 = performance.now();
      await store.write(points);
      rates.adapter.push(points.length / ((performance.now() - t0) / 1000));
    };
    const rawRun = async (points: SeriesPoint[]) => rates.raw.push(await rawWriteApi(url, token, org, bucket, points));
    for (const round of [0, 1]) {
      const rawPoints = sites(`BR${run}${round}_`, WRITE_SITES);
      const adapterPoints = sites(`BA${run}${round}_`, WRITE_SITES);
      progress(`round ${round}: ${rawPoints.length} points each, ${round === 0 ? 'raw first' : 'adapter first'}`);
      if (round === 0) {
        await rawRun(rawPoints);
        await adapterRun(adapterPoints);
      } else {
        await adapterRun(adapterPoints);
        await rawRun(rawPoints);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const adapter = mean(rates.adapter);
    const raw = mean(rates.raw);
    const ctx = { batchSize: BATCH_SIZE, pointsPerRun: WRITE_SITES * POLLUTANTS.length * (DAY / STEP), runs: 2, maxInFlight: 'adapter default (4)', gzip: 'adapter default (off on loopback)', note: 'adapter = point checks + dedupe + nulls field + ack of every batch; raw = WriteApi.writePoint(Point) with its default gzip, fewer fields (no nulls), acks counted via writeSuccess' };
    emit('influx_write:adapter_points_per_second', Math.round(adapter), 'points/s', { ...ctx, runsPointsPerSecond: rates.adapter.map(Math.round) });
    emit('influx_write:raw_writeapi_points_per_second', Math.round(raw), 'points/s', { ...ctx, runsPointsPerSecond: rates.raw.map(Math.round) });
    emit('influx_write:adapter_to_raw_ratio', Math.round((adapter / raw) * 100) / 100, 'ratio', ctx);

    // Archive-shaped load: many small writes (one Kafka batch each) from concurrent partitions.
    const small = sites(`BS${run}`, 2);
    const t1 = performance.now();
    const chunks: SeriesPoint[][] = [];
    for (let i = 0; i < small.length; i += 500) chunks.push(small.slice(i, i + 500));
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < chunks.length) await store.write(chunks[next++]!);
    }));
    emit('influx_write:adapter_small_writes_points_per_second', Math.round(small.length / ((performance.now() - t1) / 1000)), 'points/s', { batchSize: BATCH_SIZE, writeSize: 500, concurrentWriters: 8, points: small.length });

    progress('influx query latency');
    await latencies(store, `BA${run}0_0`, 'influx');
  } finally {
    await store.close();
  }
}

async function embeddedBench(): Promise<void> {
  const store = await createEmbeddedSeriesStore({ memory: true, logger });
  try {
    const points = siteDay('E0');
    progress(`embedded: ${points.length} points`);
    await store.write(siteDay('EW').slice(0, 5000));
    const t0 = performance.now();
    await store.write(points);
    emit('embedded_write:points_per_second', Math.round(points.length / ((performance.now() - t0) / 1000)), 'points/s', { points: points.length, chunkSize: 5000, storage: 'in-memory PGlite' });
    progress('embedded query latency');
    await latencies(store, 'E0', 'embedded');
  } finally {
    await store.close();
  }
}

await influxBench();
if (Date.now() < deadline) await embeddedBench();
progress('done');
