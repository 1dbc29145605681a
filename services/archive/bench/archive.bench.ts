/**
 * archive benchmark: points/s sustained from Kafka into InfluxDB through the archive service
 * (consumer batches of ARCHIVE_MAX_BATCH messages, the adapter's 5,000-point writes), beside the
 * raw @influxdata/influxdb-client WriteApi writing the same points in the same run; and the ratio
 * (target ≥ 0.7). Needs KAFKA_BROKERS and INFLUX_*; prints a "skipped" line otherwise.
 */
import { randomUUID } from 'node:crypto';
import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { createBus } from '@offsite/bus';
import { SiteIndex, type ReadingBatch } from '@offsite/domain';
import { createSeriesStore, SeriesStoreEnv, type SeriesStore } from '@offsite/series-store';
import { createLogger, createMetrics } from '@offsite/runtime';
import { createArchiver } from '../src/archiver.js';
import { toSeriesPoints } from '../src/to-points.js';
import { rtdBatch } from '../test/batch.js';

const emit = (metric: string, value: number | null, unit: string, extra: Record<string, unknown> = {}) => console.log(JSON.stringify({ bench: 'archive.kafka_to_influx', metric, value, unit, ...extra }));
const { KAFKA_BROKERS, INFLUX_URL, INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET } = process.env;
if (!KAFKA_BROKERS || !INFLUX_URL || !INFLUX_TOKEN || !INFLUX_ORG || !INFLUX_BUCKET) {
  emit('skipped', null, '', { reason: 'KAFKA_BROKERS and INFLUX_* not set: start infra/local' });
  process.exit(0);
}
const logger = createLogger('archive-bench', 'warn');
const DEVICES = 200;
const STEPS = 90; // 200 devices × 90 samples × 12 factors = 216,000 points per phase
// Phases alternate raw/archive in ABBA order, so drift in the server (cache snapshots and
// compactions of earlier phases' data) weighs on both sides alike; rates are over all phases.
const ORDER = ['raw', 'archive', 'archive', 'raw', 'raw', 'archive', 'archive', 'raw'] as const;
const SETTLE_MS = 2_000; // between phases, so one phase's cache snapshot does not land on the next
const FACTORS = ['a21026', 'a21002', 'a34013', 'a19001', 'a01011', 'a01012', 'a01013', 'a01014', 'a00000', 'a21005', 'a24088', 'a05002'];
const run = randomUUID().slice(0, 8);
const t0 = Date.UTC(2025, 0, 1);

function batches(prefix: string): ReadingBatch[] {
  const out: ReadingBatch[] = [];
  for (let s = 0; s < STEPS; s++)
    for (let d = 0; d < DEVICES; d++) {
      out.push(
        rtdBatch(
          `${prefix}${d}`,
          t0 + s * 30_000,
          FACTORS.map((code, i) => {
            const v = Math.round((10 + i + Math.sin(s / 7 + d) * 3) * 100) / 100;
            return { code, value: v, text: v.toFixed(2), converted: code.startsWith('a2') ? v * 1.1 : null, flag: 'N' as const };
          }),
        ),
      );
    }
  return out;
}

// Raw client: the same points, as the same fields and tags the adapter stores (docs/series-schema.md,
// `nulls` included), through the client's Point and WriteApi (batch 5,000); no Kafka, no parsing.
async function raw(prefix: string): Promise<{ points: number; seconds: number; cpuSeconds: number }> {
  const points = batches(prefix).flatMap((b) => toSeriesPoints(b, undefined));
  let failed: Error | undefined;
  const api = new InfluxDB({ url: INFLUX_URL!, token: INFLUX_TOKEN! }).getWriteApi(INFLUX_ORG!, bucket, 'ms', { batchSize: 5000, flushInterval: 0, maxRetries: 0, writeFailed: (e) => void (failed = e) });
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  for (const p of points) {
    const pt = new Point(p.kind).tag('mn', p.mn).tag('pollutant', p.pollutant).timestamp(p.time);
    let nulls = '';
    for (const f of ['value', 'converted', 'min', 'max', 'cou'] as const) {
      const v = p[f];
      if (v === null || v === undefined) nulls += `,${f}`;
      else pt.floatField(f, v);
    }
    for (const f of ['flag', 'text'] as const) {
      const v = p[f];
      if (v === null || v === undefined) nulls += `,${f}`;
      else pt.stringField(f, v);
    }
    pt.stringField('nulls', nulls ? `${nulls},` : '');
    api.writePoint(pt);
  }
  await api.close();
  const cpu = process.cpuUsage(cpu0);
  if (failed) throw failed;
  return { points: points.length, seconds: (performance.now() - start) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function viaArchive(prefix: string, round: number): Promise<{ points: number; seconds: number; secondsWithJoin: number; messages: number; cpuSeconds: number }> {
  const topic = `bench.archive.${run}.${round}`;
  const bus = createBus({ kafkaBrokers: KAFKA_BROKERS!.split(','), clientId: 'archive-bench', logger });
  await bus.ensureTopics([{ name: topic, partitions: 4 }]);
  const all = batches(prefix);
  for (let i = 0; i < all.length; i += 1000) await bus.send(topic, all.slice(i, i + 1000).map((b) => ({ key: b.mn, value: Buffer.from(JSON.stringify(b)) })));
  const points = all.length * FACTORS.length;
  // The store as the service builds it: INFLUX_* tunables from the environment, defaults otherwise.
  const store = await createSeriesStore(SeriesStoreEnv.parse({ ...process.env, INFLUX_BUCKET: bucket }), { logger });
  // Counts acknowledged points as the archiver writes them: the run ends at the last ack, with no
  // lag polling competing for the event loop. The sustained clock starts at the first batch, so
  // the consumer group's join (a one-off of a few seconds) is reported apart.
  let firstBatchAt: number | undefined;
  let written = 0;
  let allWritten!: () => void;
  const done = new Promise<void>((r) => (allWritten = r));
  const counted: SeriesStore = {
    ...store,
    write: async (pts) => {
      firstBatchAt ??= performance.now();
      await store.write(pts);
      written += pts.length;
      if (written >= points) allWritten();
    },
  };
  const archiver = createArchiver({ bus, store: counted, sites: new SiteIndex(), logger, registry: createMetrics('bench', false), groupId: `archive-bench-${run}-${round}`, topic, maxBatchSize: 5000 });
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  await archiver.start();
  await done;
  const end = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // The last commit follows the last write: wait for it (untimed) so the next phase starts clean.
  for (let i = 0; i < 200 && (await archiver.lag()) > 0; i++) await new Promise((r) => setTimeout(r, 50));
  await archiver.stop();
  await store.close();
  await bus.close();
  return { points, seconds: (end - firstBatchAt!) / 1000, secondsWithJoin: (end - start) / 1000, messages: all.length, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

// A bucket of this run's own: the shared bucket's old shards (every earlier run wrote the same
// 2025 hours) would make each phase pay for compacting them.
const rest = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(new URL(path, INFLUX_URL), { method, headers: { Authorization: `Token ${INFLUX_TOKEN}`, 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw new Error(`influx ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (res.status === 204 ? {} : await res.json()) as T;
};
const orgID = (await rest<{ orgs: { id: string }[] }>('GET', `/api/v2/orgs?org=${encodeURIComponent(INFLUX_ORG)}`)).orgs[0]!.id;
const bucket = `bench_archive_${run}`;
const bucketId = (await rest<{ id: string }>('POST', '/api/v2/buckets', { orgID, name: bucket, retentionRules: [] })).id;

const totals = { raw: { points: 0, seconds: 0, cpuSeconds: 0, phases: [] as number[] }, archive: { points: 0, seconds: 0, cpuSeconds: 0, secondsWithJoin: 0, phases: [] as number[], messages: 0 } };
for (const [round, side] of ORDER.entries()) {
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  if (side === 'raw') {
    const r = await raw(`BENCHRAW${run}_${round}_`);
    totals.raw.points += r.points;
    totals.raw.seconds += r.seconds;
    totals.raw.cpuSeconds += r.cpuSeconds;
    totals.raw.phases.push(Math.round(r.points / r.seconds));
  } else {
    const a = await viaArchive(`BENCHARC${run}_${round}_`, round);
    totals.archive.points += a.points;
    totals.archive.seconds += a.seconds;
    totals.archive.cpuSeconds += a.cpuSeconds;
    totals.archive.secondsWithJoin += a.secondsWithJoin;
    totals.archive.messages += a.messages;
    totals.archive.phases.push(Math.round(a.points / a.seconds));
  }
}
await rest('DELETE', `/api/v2/buckets/${bucketId}`);
const rawRate = totals.raw.points / totals.raw.seconds;
const archiveRate = totals.archive.points / totals.archive.seconds;
emit('raw_client_points_per_s', Math.round(rawRate), 'points/s', { points: totals.raw.points, batchSize: 5000, phases: totals.raw.phases });
emit('archive_points_per_s', Math.round(archiveRate), 'points/s', { points: totals.archive.points, messages: totals.archive.messages, readingsPerMessage: FACTORS.length, consumerBatch: 5000, writeBatch: 5000, partitions: 4, from: 'first batch', phases: totals.archive.phases });
emit('archive_points_per_s_with_group_join', Math.round(totals.archive.points / totals.archive.secondsWithJoin), 'points/s', { from: 'consumer start', joinSeconds: Math.round((totals.archive.secondsWithJoin - totals.archive.seconds) * 100) / 100 });
// Client-side CPU (all threads of this process: gzip and GC included), the share InfluxDB loses on 2 cores.
const cpuPer100k = (t: { cpuSeconds: number; points: number }) => Math.round((t.cpuSeconds / t.points) * 1e5 * 1000);
emit('raw_client_cpu_ms_per_100k_points', cpuPer100k(totals.raw), 'ms');
emit('archive_cpu_ms_per_100k_points', cpuPer100k(totals.archive), 'ms');
emit('ratio_archive_to_raw', Math.round((archiveRate / rawRate) * 100) / 100, 'ratio', { target: 0.7, order: ORDER.join(','), settleMs: SETTLE_MS, bucket: 'fresh per run' });
