import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createBus } from '@offsite/bus';
import { SiteIndex, type ReadingBatch } from '@offsite/domain';
import { createInfluxSeriesStore } from '@offsite/series-store';
import { createLogger, createMetrics } from '@offsite/runtime';
import { infraAvailable } from '@offsite/runtime/testing';
import { createArchiver } from '../src/archiver.js';
import { rtdBatch } from './batch.js';

const logger = createLogger('archive-int', 'silent');
const ready = infraAvailable('kafka') && infraAvailable('influx');
const HOUR = 3_600_000;
const t0 = Date.UTC(2025, 2, 1, 16, 0, 0); // 00:00 local (UTC+8)

async function until(cond: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!ready)('archive on real Kafka and InfluxDB', () => {
  it('archives every reading once across a restart, and hourly averages match the data', async () => {
    const run = randomUUID().slice(0, 8);
    const mn = `ARCHINT${run}`;
    const topic = `test.archive.${run}`;
    const groupId = `archive-int-${run}`;
    // Three hours of 30-s SO2 data; every 20th sample flagged C (invalid for averages).
    const batches: ReadingBatch[] = Array.from({ length: 360 }, (_, i) =>
      rtdBatch(mn, t0 + i * 30_000, [{ code: 'a21026', value: 10 + (i % 7), text: `${10 + (i % 7)}.0`, converted: 12 + (i % 7), flag: i % 20 === 0 ? 'C' : 'N' }]),
    );
    const bus = createBus({ kafkaBrokers: process.env.KAFKA_BROKERS!.split(','), clientId: `archive-int-${run}`, logger });
    await bus.ensureTopics([{ name: topic, partitions: 2 }]);
    const env = process.env;
    const store = createInfluxSeriesStore({ url: env.INFLUX_URL!, token: env.INFLUX_TOKEN!, org: env.INFLUX_ORG!, bucket: env.INFLUX_BUCKET!, logger });
    const make = () => createArchiver({ bus, store, sites: new SiteIndex(), logger, registry: createMetrics('a', false), groupId, topic, maxBatchSize: 50 });

    // First half, then a restart (new member, same group) while the second half arrives.
    await bus.send(topic, batches.slice(0, 180).map((b) => ({ key: mn, value: Buffer.from(JSON.stringify(b)) })));
    const first = make();
    await first.start();
    await until(async () => (await first.lag()) === 0);
    await first.stop();
    await bus.send(topic, batches.slice(180).map((b) => ({ key: mn, value: Buffer.from(JSON.stringify(b)) })));
    const second = make();
    await second.start();
    await until(async () => (await second.lag()) === 0);
    await second.stop();
    // A replay from the beginning (another group) rewrites the same points: still one each.
    const replay = createArchiver({ bus, store, sites: new SiteIndex(), logger, registry: createMetrics('b', false), groupId: `${groupId}-replay`, topic });
    await replay.start();
    await until(async () => (await replay.lag()) === 0);
    await replay.stop();

    const points = await store.range({ mn, kind: 'rtd', pollutant: 'a21026', from: t0, to: t0 + 3 * HOUR });
    expect(points).toHaveLength(360);
    expect(points.map((p) => p.time)).toEqual(batches.map((b) => b.dataTime));
    expect(points.filter((p) => p.flag === 'C')).toHaveLength(18);

    const hours = await store.hourly({ mn, pollutant: 'a21026', from: t0, to: t0 + 3 * HOUR, expectedPerHour: 120 });
    expect(hours).toHaveLength(3);
    for (const [h, hour] of hours.entries()) {
      const inHour = batches.slice(h * 120, (h + 1) * 120).map((b) => b.readings[0]!).filter((r) => r.flag === 'N');
      const avg = inHour.reduce((s, r) => s + r.value!, 0) / inHour.length;
      expect(hour.hourStart).toBe(t0 + h * HOUR);
      expect(hour.validCount).toBe(inHour.length);
      expect(hour.totalCount).toBe(120);
      expect(hour.valid).toBe(true);
      expect(hour.avg).toBeCloseTo(avg, 6);
    }
    await store.close();
    await bus.close();
  });
});
