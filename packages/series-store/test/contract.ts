import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { DataKind } from '@offsite/domain';
import type { SeriesPoint, SeriesStore } from '../src/port.js';

/**
 * The SeriesStore contract: every adapter passes this suite. MNs are random per run, so a
 * long-lived InfluxDB with earlier runs' data does not interfere.
 */
const HOUR = 3_600_000;
/** 2025-03-01 00:00 local time at UTC+8. */
const DAY0 = Date.UTC(2025, 2, 1) - 8 * HOUR;

function uniqueMn(tag: string): string {
  return `T${tag}${randomUUID().replace(/-/g, '').slice(0, 14)}`.toUpperCase();
}

function point(mn: string, pollutant: string, time: number, value: number | null, extra: Partial<SeriesPoint> = {}): SeriesPoint {
  return { mn, kind: 'rtd', pollutant, time, value, flag: 'N', ...extra };
}

/** What a store returns for a written point: every optional field spelled out. */
function expected(p: SeriesPoint): Required<SeriesPoint> {
  return {
    mn: p.mn, kind: p.kind, pollutant: p.pollutant, time: p.time, value: p.value,
    converted: p.converted ?? null, min: p.min ?? null, max: p.max ?? null, cou: p.cou ?? null,
    flag: p.flag, text: p.text ?? null, region: p.region ?? '', enterprise: p.enterprise ?? '', outlet: p.outlet ?? '',
  };
}

/** 30-s samples of one hour starting at `hourStart`, value and converted from the index. */
function hourOfSamples(mn: string, pollutant: string, hourStart: number, flagAt: (i: number) => string | null, everyMs = 30_000): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (let t = hourStart, i = 0; t < hourStart + HOUR; t += everyMs, i++) {
    out.push(point(mn, pollutant, t, 10 + (i % 17) * 1.25, { converted: 20 + (i % 11) * 0.5, flag: flagAt(i) }));
  }
  return out;
}

/** The test's own arithmetic, independent of the stores. */
function independentHour(points: SeriesPoint[]) {
  const valid = points.filter((p) => (p.flag === null || p.flag === 'N') && p.value !== null);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    totalCount: points.length,
    validCount: valid.length,
    avg: mean(valid.map((p) => p.value as number)),
    convertedAvg: mean(valid.flatMap((p) => (p.converted == null ? [] : [p.converted]))),
  };
}

export function seriesStoreContract(name: string, make: () => Promise<SeriesStore>): void {
  describe(`SeriesStore contract: ${name}`, () => {
    let store: SeriesStore;
    // PGlite takes 2-3 s to start on a quiet machine, much longer on a busy one.
    beforeAll(async () => {
      store = await make();
    }, 60_000);
    afterAll(async () => {
      await store?.close();
    });

    it('reports healthy', async () => {
      expect(await store.health()).toMatchObject({ ok: true });
    });

    it('reads back exactly what was written: values, converted, text, flags, tags', async () => {
      const mn = uniqueMn('RB');
      const pts: [SeriesPoint, SeriesPoint, SeriesPoint, SeriesPoint, SeriesPoint] = [
        point(mn, 'a21026', DAY0, 35.27, { converted: 41.9, min: 30.1, max: 40.004, cou: 1234.5, text: '35.270', flag: 'N', region: '320500', enterprise: '苏州 某电厂', outlet: 'DA001, stack=1' }),
        point(mn, 'a21002', DAY0, 0, { text: '0.00', flag: 'M' }),
        point(mn, 'a34013', DAY0 + 30_000, null, { flag: 'D', text: null }),
        point(mn, 'a19001', DAY0 + 30_000, -1.5e-7, { flag: null, converted: null, text: '-0.00000015' }),
        point(mn, 'x "q"', DAY0 + 60_000, 1e21, { text: 'a "quoted" \\ back\\slash', cou: 3, enterprise: 'a=b "c"', region: 'a\\b' }),
      ];
      await store.write(pts);
      const got = await store.range({ mn, kind: 'rtd', from: DAY0, to: DAY0 + HOUR });
      expect(got).toEqual([pts[1], pts[0], pts[3], pts[2], pts[4]].map(expected));
    });

    it('is idempotent: the same point written twice is one point; a re-write replaces it', async () => {
      const mn = uniqueMn('ID');
      const p = point(mn, 'a21026', DAY0, 12.5, { converted: 13, text: '12.50', flag: 'N' });
      await store.write([p]);
      await store.write([p]);
      await store.write([p, p]);
      expect(await store.range({ mn, kind: 'rtd', from: DAY0, to: DAY0 + 1 })).toEqual([expected(p)]);
      // A corrected resend (new flag, converted now absent) replaces the point: last write wins.
      const corrected = point(mn, 'a21026', DAY0, 12.5, { text: '12.50', flag: 'C', converted: null });
      await store.write([corrected]);
      expect(await store.range({ mn, kind: 'rtd', from: DAY0, to: DAY0 + 1 })).toEqual([expected(corrected)]);
    });

    it('ranges are [from, to) and ordered by time then pollutant; limit and pollutant filter', async () => {
      const mn = uniqueMn('RG');
      const pts = [
        point(mn, 'b', DAY0 + 2000, 3),
        point(mn, 'a', DAY0 + 1000, 2),
        point(mn, 'b', DAY0 + 1000, 1),
        point(mn, 'a', DAY0 - 1, 0),
        point(mn, 'a', DAY0 + 3000, 4),
      ];
      await store.write(pts);
      const got = await store.range({ mn, kind: 'rtd', from: DAY0, to: DAY0 + 3000 });
      expect(got.map((p) => [p.time - DAY0, p.pollutant])).toEqual([[1000, 'a'], [1000, 'b'], [2000, 'b']]);
      const onlyB = await store.range({ mn, kind: 'rtd', pollutant: 'b', from: DAY0 - 10, to: DAY0 + 10_000 });
      expect(onlyB.map((p) => p.value)).toEqual([1, 3]);
      const limited = await store.range({ mn, kind: 'rtd', from: DAY0 - 10, to: DAY0 + 10_000, limit: 2 });
      expect(limited.map((p) => p.value)).toEqual([0, 2]);
      expect(await store.range({ mn, kind: 'rtd', from: DAY0 + 5000, to: DAY0 + 9000 })).toEqual([]);
    });

    it('keeps kinds apart', async () => {
      const mn = uniqueMn('KD');
      const kinds: DataKind[] = ['rtd', 'minute', 'hour', 'day'];
      await store.write(kinds.map((kind, i) => ({ ...point(mn, 'w01018', DAY0, i + 0.5), kind })));
      for (const [i, kind] of kinds.entries()) {
        const got = await store.range({ mn, kind, from: DAY0, to: DAY0 + 1 });
        expect(got).toEqual([expected({ ...point(mn, 'w01018', DAY0, i + 0.5), kind })]);
      }
    });

    it('refuses invalid points, naming the field, and stores nothing of that write', async () => {
      const mn = uniqueMn('BAD');
      const good = point(mn, 'a21026', DAY0, 1);
      await expect(store.write([good, point(mn, 'a21026', DAY0 + 1000, Number.NaN)])).rejects.toThrow(/#1.*value/);
      await expect(store.write([{ ...good, mn: '' }])).rejects.toThrow(/mn/);
      await expect(store.write([{ ...good, time: 1.5 }])).rejects.toThrow(/time/);
      await expect(store.write([{ ...good, region: 'x\\' }])).rejects.toThrow(/region.*backslash/);
      expect(await store.range({ mn, kind: 'rtd', from: DAY0 - HOUR, to: DAY0 + HOUR })).toEqual([]);
    });

    it('hourly: valid-hour rule on flag-N counts, averages over valid samples only', async () => {
      const mn = uniqueMn('HR');
      const h0 = DAY0 + 10 * HOUR;
      // Hour 0: all N → valid. Hour 1: 80 N + 40 M → 80 < 90 → invalid. Hour 2: every 6th is C,
      // one value missing, flags null read as N → 99 valid → valid. Hour 3: no data. Hour 4: T and
      // F flags only → 0 valid.
      const hours = [
        hourOfSamples(mn, 'a21026', h0, () => 'N'),
        hourOfSamples(mn, 'a21026', h0 + HOUR, (i) => (i < 80 ? 'N' : 'M')),
        hourOfSamples(mn, 'a21026', h0 + 2 * HOUR, (i) => (i % 6 === 0 ? 'C' : i % 2 ? null : 'N')).map((p, i) => (i === 7 ? { ...p, value: null } : p)),
        [],
        hourOfSamples(mn, 'a21026', h0 + 4 * HOUR, (i) => (i % 2 ? 'T' : 'F')),
      ];
      await store.write(hours.flat());
      // Another pollutant and another kind at the same times must not leak in.
      await store.write(hourOfSamples(mn, 'a21002', h0, () => 'N').map((p) => ({ ...p, value: 999 })));
      await store.write(hourOfSamples(mn, 'a21026', h0, () => 'N').map((p) => ({ ...p, kind: 'minute' as const, value: 999 })));

      for (const expectedPerHour of [120, undefined]) {
        const got = await store.hourly({ mn, pollutant: 'a21026', from: h0, to: h0 + 5 * HOUR, expectedPerHour });
        expect(got.map((h) => h.hourStart)).toEqual([0, 1, 2, 3, 4].map((i) => h0 + i * HOUR));
        for (const [i, pts] of hours.entries()) {
          const want = independentHour(pts);
          const h = got[i]!;
          expect(h.totalCount, `hour ${i} total`).toBe(want.totalCount);
          expect(h.validCount, `hour ${i} valid`).toBe(want.validCount);
          if (want.avg === null) expect(h.avg).toBeNull();
          else expect(h.avg).toBeCloseTo(want.avg, 9);
          if (want.convertedAvg === null) expect(h.convertedAvg).toBeNull();
          else expect(h.convertedAvg).toBeCloseTo(want.convertedAvg, 9);
        }
        expect(got.map((h) => h.valid)).toEqual([true, false, true, false, false]);
        expect(got[0]!.expectedPerHour).toBeCloseTo(120, 9);
      }
      expect(hours[2]!.filter((p) => p.flag === null || p.flag === 'N').length - 1).toBe(99);
    });

    it('hourly: 45 minutes of valid samples is the threshold (90 of 120)', async () => {
      const mn = uniqueMn('TH');
      const h0 = DAY0 + 3 * HOUR;
      await store.write([
        ...hourOfSamples(mn, 'a21026', h0, (i) => (i < 90 ? 'N' : 'M')),
        ...hourOfSamples(mn, 'a21026', h0 + HOUR, (i) => (i < 89 ? 'N' : 'M')),
      ]);
      const got = await store.hourly({ mn, pollutant: 'a21026', from: h0, to: h0 + 2 * HOUR });
      expect(got.map((h) => [h.validCount, h.valid])).toEqual([[90, true], [89, false]]);
    });

    it('hourly: hours are local hours at the site offset (+8 default, +5:30 explicit)', async () => {
      const mn = uniqueMn('TZ');
      // Local 2025-03-01 23:59:30 and 2025-03-02 00:00:00 at +8: the same UTC hour boundary.
      const localMidnight = DAY0 + 24 * HOUR;
      await store.write([point(mn, 'a21026', localMidnight - 30_000, 1), point(mn, 'a21026', localMidnight, 3), point(mn, 'a21026', localMidnight + 30 * 60_000, 5)]);
      const at8 = await store.hourly({ mn, pollutant: 'a21026', from: localMidnight - HOUR, to: localMidnight + HOUR, expectedPerHour: 1 });
      expect(at8.map((h) => [h.hourStart, h.totalCount, h.avg])).toEqual([[localMidnight - HOUR, 1, 1], [localMidnight, 2, 4]]);
      // At +5:30 local hours start at :30 UTC: 15:59:30 and 16:00 UTC share the 15:30 hour, 16:30
      // opens the next one; the first hour (14:30, holding `from`) is empty.
      const at530 = await store.hourly({ mn, pollutant: 'a21026', from: localMidnight - HOUR, to: localMidnight + HOUR, expectedPerHour: 1, utcOffsetMinutes: 330 });
      expect(at530.map((h) => [h.hourStart - localMidnight, h.totalCount, h.avg])).toEqual([
        [-90 * 60_000, 0, null],
        [-30 * 60_000, 2, 2],
        [30 * 60_000, 1, 5],
      ]);
      // from inside an hour: the hour containing `from` is the first one.
      const inner = await store.hourly({ mn, pollutant: 'a21026', from: localMidnight + 60_000, to: localMidnight + HOUR, expectedPerHour: 1 });
      expect(inner.map((h) => [h.hourStart, h.totalCount])).toEqual([[localMidnight, 1]]);
    });

    it('latest: one point per pollutant, rtd preferred over other kinds', async () => {
      const mn = uniqueMn('LT');
      await store.write([
        point(mn, 'a21026', DAY0, 1),
        point(mn, 'a21026', DAY0 + 60_000, 2, { converted: 2.5, text: '2.0' }),
        { ...point(mn, 'a21026', DAY0 + 2 * HOUR, 99), kind: 'hour' },
        { ...point(mn, 'w01018', DAY0 + HOUR, 7, { flag: 'M' }), kind: 'hour' },
        { ...point(mn, 'w01018', DAY0, 6), kind: 'day' },
      ]);
      // A later re-write of an older time does not move "latest" back.
      await store.write([point(mn, 'a21026', DAY0, 1.5)]);
      const got = await store.latest(mn);
      expect(got).toEqual([
        expected(point(mn, 'a21026', DAY0 + 60_000, 2, { converted: 2.5, text: '2.0' })),
        expected({ ...point(mn, 'w01018', DAY0 + HOUR, 7, { flag: 'M' }), kind: 'hour' }),
      ]);
      expect(await store.latest(uniqueMn('NONE'))).toEqual([]);
    });

    it('round-trips a large batch (20k points)', async () => {
      const mn = uniqueMn('BIG');
      const pollutants = ['a21026', 'a21002', 'a34013', 'a19001'];
      const pts: SeriesPoint[] = [];
      for (let i = 0; i < 5000; i++) {
        for (const [j, pollutant] of pollutants.entries()) {
          pts.push(point(mn, pollutant, DAY0 + i * 30_000, i * 0.01 + j, { converted: i + j, flag: i % 10 === 0 ? 'M' : 'N', text: (i * 0.01 + j).toFixed(2) }));
        }
      }
      await store.write(pts);
      const got = await store.range({ mn, kind: 'rtd', from: DAY0, to: DAY0 + 5000 * 30_000 });
      expect(got.length).toBe(20_000);
      expect(got).toEqual([...pts].sort((a, b) => a.time - b.time || (a.pollutant < b.pollutant ? -1 : 1)).map(expected));
    });
  });
}
