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
import { createInfluxSeriesStore } from '@offsite/series-store';
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
const STEPS = 90; // 200 devices × 90 samples × 12 factors = 216,000 points
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

// Raw client: the same points, written with WriteApi (batch 5,000), no parsing, no Kafka.
async function raw(prefix: string): Promise<{ points: number; seconds: number }> {
  const points = batches(prefix).flatMap((b) => toSeriesPoints(b, undefined));
  let failed: Error | undefined;
  const api = new InfluxDB({ url: INFLUX_URL!, token: INFLUX_TOKEN! }).getWriteApi(INFLUX_ORG!, INFLUX_BUCKET!, 'ms', { batchSize: 5000, flushInterval: 0, maxRetries: 0, writeFailed: (e) => void (failed = e) });
  const start = performance.now();
  for (const p of points) {
    const pt = new Point(p.kind).tag('mn', p.mn).tag('pollutant', p.pollutant).timestamp(p.time);
    if (p.value !== null) pt.floatField('value', p.value);
    if (p.converted != null) pt.floatField('converted', p.converted);
    pt.stringField('flag', p.flag ?? '').stringField('text', p.text ?? '');
    api.writePoint(pt);
  }
  await api.close();
  if (failed) throw failed;
  return { points: points.length, seconds: (performance.now() - start) / 1000 };
}

async function viaArchive(prefix: string): Promise<{ points: number; seconds: number; messages: number }> {
  const topic = `bench.archive.${run}`;
  const bus = createBus({ kafkaBrokers: KAFKA_BROKERS!.split(','), clientId: 'archive-bench', logger });
  await bus.ensureTopics([{ name: topic, partitions: 4 }]);
  const all = batches(prefix);
  for (let i = 0; i < all.length; i += 1000) await bus.send(topic, all.slice(i, i + 1000).map((b) => ({ key: b.mn, value: Buffer.from(JSON.stringify(b)) })));
  const store = createInfluxSeriesStore({ url: INFLUX_URL!, token: INFLUX_TOKEN!, org: INFLUX_ORG!, bucket: INFLUX_BUCKET!, logger, batchSize: 5000 });
  const archiver = createArchiver({ bus, store, sites: new SiteIndex(), logger, registry: createMetrics('bench', false), groupId: `archive-bench-${run}`, topic, maxBatchSize: 5000 });
  const start = performance.now();
  await archiver.start();
  const points = all.length * FACTORS.length;
  while ((await archiver.lag()) > 0) await new Promise((r) => setTimeout(r, 50));
  const seconds = (performance.now() - start) / 1000;
  await archiver.stop();
  await store.close();
  await bus.close();
  return { points, seconds, messages: all.length };
}

const rawRun = await raw(`BENCHRAW${run}_`);
emit('raw_client_points_per_s', Math.round(rawRun.points / rawRun.seconds), 'points/s', { points: rawRun.points, batchSize: 5000 });
const archived = await viaArchive(`BENCHARC${run}_`);
emit('archive_points_per_s', Math.round(archived.points / archived.seconds), 'points/s', { points: archived.points, messages: archived.messages, readingsPerMessage: FACTORS.length, consumerBatch: 5000, writeBatch: 5000, partitions: 4 });
emit('ratio_archive_to_raw', Math.round((archived.points / archived.seconds / (rawRun.points / rawRun.seconds)) * 100) / 100, 'ratio', { target: 0.7 });
