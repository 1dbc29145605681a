import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { InfluxDB } from '@influxdata/influxdb-client';
import { createLogger } from '@offsite/runtime';
import { infraAvailable } from '@offsite/runtime/testing';
import { seriesStoreContract } from './contract.js';
import { createInfluxSeriesStore, createSeriesStore, SeriesStoreEnv, type InfluxSeriesStore } from '../src/index.js';

const env = process.env;
const has = infraAvailable('influx');
const conn = () => ({ url: env.INFLUX_URL!, token: env.INFLUX_TOKEN!, org: env.INFLUX_ORG!, bucket: env.INFLUX_BUCKET! });
const logger = createLogger('series-store-int');

describe.skipIf(!has)('influx series store', () => {
  seriesStoreContract('influx (real InfluxDB 2)', async () => createInfluxSeriesStore({ ...conn(), logger }));

  describe('influx specifics', () => {
    let store: InfluxSeriesStore;
    beforeAll(() => {
      store = createInfluxSeriesStore({ ...conn(), logger, batchSize: 1000 });
    });
    afterAll(async () => {
      await store?.close();
    });

    it('write() resolves only once every batch is on the server (visible to a fresh query at once)', async () => {
      const mn = `TACK${randomUUID().slice(0, 8)}`;
      const t0 = Date.UTC(2025, 0, 1);
      // 3 full batches and a partial one, written by two concurrent callers.
      const mk = (n: number, off: number) => Array.from({ length: n }, (_, i) => ({ mn, kind: 'rtd' as const, pollutant: 'a21026', time: t0 + (off + i) * 1000, value: i, flag: 'N' }));
      await Promise.all([store.write(mk(2500, 0)), store.write(mk(1200, 2500))]);
      const fresh = new InfluxDB({ url: conn().url, token: conn().token }).getQueryApi(conn().org);
      const rows = await fresh.collectRows<{ _value: number }>(
        `from(bucket: "${conn().bucket}") |> range(start: 2024-12-31T00:00:00Z, stop: 2025-01-02T00:00:00Z) |> filter(fn: (r) => r.mn == "${mn}" and r._field == "value") |> count()`,
      );
      expect(rows[0]?._value).toBe(3700);
    });

    it('writes gzip-compressed bodies when asked (the default for a server off this machine)', async () => {
      const zipped = createInfluxSeriesStore({ ...conn(), logger, gzip: true });
      const mn = `TGZ${randomUUID().slice(0, 8)}`;
      const t0 = Date.UTC(2025, 0, 3);
      // 6,000 points: batches of 5,000 lines are well over the 64 KiB gzip threshold.
      const pts = Array.from({ length: 6000 }, (_, i) => ({ mn, kind: 'rtd' as const, pollutant: 'a21026', time: t0 + i * 1000, value: i / 10, flag: 'N', text: (i / 10).toFixed(1) }));
      await zipped.write(pts);
      const back = await zipped.range({ mn, kind: 'rtd', from: t0, to: t0 + 6000 * 1000 });
      expect(back.map((p) => p.value)).toEqual(pts.map((p) => p.value));
      await zipped.close();
    });

    it('rejects (does not hang) when the server refuses the write, with the server message', async () => {
      const bad = createInfluxSeriesStore({ ...conn(), token: 'wrong-token', logger, maxRetries: 1, minRetryDelayMs: 10 });
      await expect(bad.write([{ mn: 'TBAD', kind: 'rtd', pollutant: 'x', time: Date.UTC(2025, 0, 1), value: 1, flag: 'N' }])).rejects.toThrow(/unauthorized|401/i);
      expect((await bad.health()).ok).toBe(true);
      await bad.close();
    });

    it('reports unhealthy for a server that is not there', async () => {
      const gone = createInfluxSeriesStore({ ...conn(), url: 'http://127.0.0.1:9', logger });
      expect(await gone.health()).toMatchObject({ ok: false });
      await gone.close();
    });

    it('ensureRollups creates the hourly bucket and task; rollup() and the task write the same sums as hourly()', async () => {
      // A raw bucket of its own, so the task's run scans only this test's points (the shared
      // bucket holds whatever benches and e2e runs wrote in the last hours).
      const auth = { Authorization: `Token ${conn().token}`, 'Content-Type': 'application/json' };
      const rest = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(new URL(path, conn().url), { method, headers: auth, body: body === undefined ? undefined : JSON.stringify(body) });
        expect(res.ok, `${method} ${path}: HTTP ${res.status}`).toBe(true);
        return (res.status === 204 ? {} : await res.json()) as T;
      };
      const tag = randomUUID().slice(0, 8);
      const orgID = (await rest<{ orgs: { id: string }[] }>('GET', `/api/v2/orgs?org=${encodeURIComponent(conn().org)}`)).orgs[0]!.id;
      const rawBucket = await rest<{ id: string; name: string }>('POST', '/api/v2/buckets', { orgID, name: `rolltest_${tag}`, retentionRules: [] });
      const raw = createInfluxSeriesStore({ ...conn(), bucket: rawBucket.name, logger });
      const hourlyBucket = `rolltest_${tag}_hourly`;
      const taskName = `rolltest_${tag}_rtd_hourly`;
      const r1 = await raw.ensureRollups({ hourlyBucket, taskName });
      try {
        const r2 = await raw.ensureRollups({ hourlyBucket, taskName });
        expect(r1.created).toEqual({ bucket: true, task: true });
        expect(r2.taskId).toBe(r1.taskId);
        expect(r2.created).toEqual({ bucket: false, task: false });

        const mn = `TROL${tag}`;
        const points = (h0: number) =>
          Array.from({ length: 240 }, (_, i) => ({ mn, kind: 'rtd' as const, pollutant: 'a21026', time: h0 + i * 30_000, value: i % 7, converted: i % 5, flag: i % 4 === 0 ? 'M' : 'N', region: '320500' }));
        const hourlyRows = (from: number, to: number) =>
          new InfluxDB({ url: conn().url, token: conn().token })
            .getQueryApi(conn().org)
            .collectRows<{ _time: string; total: number; valid: number; vsum: number }>(
              `from(bucket: "${hourlyBucket}") |> range(start: ${new Date(from).toISOString()}, stop: ${new Date(to).toISOString()}) |> filter(fn: (r) => r.mn == "${mn}") |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value") |> group() |> sort(columns: ["_time"])`,
            );
        const expectSameAsHourly = async (h0: number) => {
          const rows = await hourlyRows(h0, h0 + 2 * 3_600_000);
          const hourly = await raw.hourly({ mn, pollutant: 'a21026', from: h0, to: h0 + 2 * 3_600_000, expectedPerHour: 120 });
          expect(hourly).toHaveLength(2);
          expect(rows.map((r) => [Date.parse(r._time), r.total, r.valid])).toEqual(hourly.map((h) => [h.hourStart, h.totalCount, h.validCount]));
          expect(rows.map((r) => r.vsum / r.valid)).toEqual(hourly.map((h) => h.avg));
        };

        // Backfill path: an explicit range.
        const past = Date.UTC(2025, 1, 1, 2);
        await raw.write(points(past));
        await raw.rollup(past, past + 2 * 3_600_000, hourlyBucket);
        await expectSameAsHourly(past);

        // Scheduled path: the task's own Flux (now()-relative range, experimental.to) over the
        // two whole hours before the current one.
        const recent = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000;
        await raw.write(points(recent));
        const run = await rest<{ id: string }>('POST', `/api/v2/tasks/${r1.taskId}/runs`, {});
        let status = 'scheduled';
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && !['success', 'failed', 'canceled'].includes(status)) {
          await new Promise((r) => setTimeout(r, 200));
          status = (await rest<{ status: string }>('GET', `/api/v2/tasks/${r1.taskId}/runs/${run.id}`)).status;
        }
        expect(status).toBe('success');
        await expectSameAsHourly(recent);
      } finally {
        // Leave the shared server as found: no test task running every hour, no test buckets.
        await raw.close();
        for (const path of [`/api/v2/tasks/${r1.taskId}`, `/api/v2/buckets/${r1.hourlyBucketId}`, `/api/v2/buckets/${rawBucket.id}`]) {
          await rest('DELETE', path);
        }
      }
    });
  });

  it('createSeriesStore picks influx when INFLUX_* are set', async () => {
    const s = await createSeriesStore(SeriesStoreEnv.parse(env), { logger });
    expect(s.kind).toBe('influx');
    await s.close();
  });
});
