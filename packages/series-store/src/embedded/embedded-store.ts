import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from '@offsite/runtime';
import type { DataKind } from '@offsite/domain';
import type { HourlyAverage, HourlyQuery, RangeQuery, SeriesPoint, SeriesStore } from '../port.js';
import { dedupeLastWins, validatePoints, type StoredPoint } from '../points.js';
import { assembleHours, checkHourlyQuery, checkTimeWindow, expectedFromInterval, offsetMs, type HourBucket } from '../hourly.js';
import { POINT_COLUMNS, SERIES_SCHEMA_SQL, UPSERT_LATEST_SQL, UPSERT_POINTS_SQL } from './schema.js';

export type EmbeddedSeriesStoreOptions = {
  logger: Logger;
  /** Rows per upsert statement (default 5000). */
  chunkSize?: number;
} & (
  | { dataDir: string; memory?: never; db?: never }
  | { memory: true; dataDir?: never; db?: never }
  /** A PGlite owned by someone else (the all-in-one shares one): close() leaves it open. */
  | { db: PGlite; dataDir?: never; memory?: never }
);

export interface EmbeddedSeriesStore extends SeriesStore {
  readonly kind: 'embedded';
  readonly db: PGlite;
}

interface PointRow {
  kind: DataKind;
  mn: string;
  pollutant: string;
  time: number;
  value: number | null;
  converted: number | null;
  min: number | null;
  max: number | null;
  cou: number | null;
  flag: string | null;
  text: string | null;
  region: string;
  enterprise: string;
  outlet: string;
}

const SELECT_POINT = `kind, mn, pollutant, time, value, converted, min, max, cou, flag, text, region, enterprise, outlet`;

/** bigint arrives as a JS number from PGlite; guard anyway so a driver change fails loudly. */
function toPoint(r: PointRow): StoredPoint {
  return { ...r, time: Number(r.time) };
}

/**
 * SeriesStore on PGlite (PostgreSQL in WebAssembly): the embedded default. Key (kind, mn,
 * pollutant, time) with ON CONFLICT DO UPDATE, so a replay is a no-op and a correction replaces.
 */
export async function createEmbeddedSeriesStore(opts: EmbeddedSeriesStoreOptions): Promise<EmbeddedSeriesStore> {
  const log = opts.logger.child({ component: 'series-store', adapter: 'embedded' });
  const ownsDb = !opts.db;
  // PGlite creates its own directory but not the parents (a fresh DATA_DIR).
  if (opts.dataDir) mkdirSync(dirname(opts.dataDir), { recursive: true });
  const db = opts.db ?? (opts.dataDir ? await PGlite.create(opts.dataDir) : await PGlite.create());
  await db.exec(SERIES_SCHEMA_SQL);
  const chunkSize = opts.chunkSize ?? 5000;
  log.debug({ dataDir: opts.dataDir ?? null, shared: !ownsDb }, 'embedded series store ready');
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new Error('series store is closed');
  };

  /**
   * Rows come back as one json_agg text: PGlite's per-row decoding costs ~3.5× more for 28,800
   * rows (measured). float8 → JSON is the shortest exact form (PostgreSQL ≥ 12), bigint ms < 2^53.
   */
  async function selectPoints(sql: string, orderBy: string, params: unknown[]): Promise<StoredPoint[]> {
    const res = await db.query<{ j: string | null }>(`SELECT json_agg(p ORDER BY ${orderBy})::text AS j FROM (${sql}) p`, params);
    const text = res.rows[0]?.j;
    return text ? (JSON.parse(text) as PointRow[]).map(toPoint) : [];
  }

  async function write(points: SeriesPoint[]): Promise<void> {
    ensureOpen();
    const valid = dedupeLastWins(validatePoints(points));
    if (valid.length === 0) return;
    const latest = new Map<string, { mn: string; pollutant: string; kind: string; time: number }>();
    for (const p of valid) {
      const key = `${p.mn}\u0000${p.pollutant}\u0000${p.kind}`;
      const seen = latest.get(key);
      if (!seen || seen.time < p.time) latest.set(key, { mn: p.mn, pollutant: p.pollutant, kind: p.kind, time: p.time });
    }
    // One transaction: a write is stored whole or not at all.
    await db.transaction(async (tx) => {
      for (let i = 0; i < valid.length; i += chunkSize) {
        const chunk = valid.slice(i, i + chunkSize);
        await tx.query(UPSERT_POINTS_SQL, POINT_COLUMNS.map((c) => chunk.map((p) => p[c])));
      }
      const l = [...latest.values()];
      await tx.query(UPSERT_LATEST_SQL, [l.map((x) => x.mn), l.map((x) => x.pollutant), l.map((x) => x.kind), l.map((x) => x.time)]);
    });
  }

  async function range(q: RangeQuery): Promise<SeriesPoint[]> {
    ensureOpen();
    checkTimeWindow(q.from, q.to, 'range');
    const params: unknown[] = [q.kind, q.mn, q.from, q.to];
    let where = 'kind = $1 AND mn = $2 AND time >= $3 AND time < $4';
    if (q.pollutant !== undefined) {
      params.push(q.pollutant);
      where += ` AND pollutant = $${params.length}`;
    }
    let limit = '';
    if (q.limit !== undefined) {
      params.push(Math.max(0, Math.floor(q.limit)));
      limit = ` LIMIT $${params.length}`;
    }
    return selectPoints(`SELECT ${SELECT_POINT} FROM series_points WHERE ${where} ORDER BY time, pollutant${limit}`, 'time, pollutant', params);
  }

  async function hourly(q: HourlyQuery): Promise<HourlyAverage[]> {
    ensureOpen();
    checkHourlyQuery(q);
    const off = offsetMs(q);
    const samples = `SELECT time, value, converted, (flag IS NULL OR flag = 'N') AND value IS NOT NULL AS ok
      FROM series_points WHERE kind = 'rtd' AND mn = $1 AND pollutant = $2 AND time >= $3 AND time < $4`;
    const buckets = await db.query<{ hour_start: number; total: number; valid: number; avg: number | null; conv: number | null }>(
      `SELECT floor((time + $5::bigint) / 3600000.0)::bigint * 3600000 - $5::bigint AS hour_start,
              count(*)::int AS total,
              count(*) FILTER (WHERE ok)::int AS valid,
              avg(value) FILTER (WHERE ok) AS avg,
              avg(converted) FILTER (WHERE ok AND converted IS NOT NULL) AS conv
       FROM (${samples}) s GROUP BY 1 ORDER BY 1`,
      [q.mn, q.pollutant, q.from, q.to, off],
    );
    let inferred: number | null = null;
    if (q.expectedPerHour === undefined) {
      const gap = await db.query<{ median: number | null }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) AS median
         FROM (SELECT time - lag(time) OVER (ORDER BY time) AS gap FROM (${samples}) s) g WHERE gap IS NOT NULL`,
        [q.mn, q.pollutant, q.from, q.to],
      );
      inferred = expectedFromInterval(gap.rows[0]?.median ?? null);
    }
    const hours: HourBucket[] = buckets.rows.map((r) => ({
      hourStart: Number(r.hour_start),
      totalCount: r.total,
      validCount: r.valid,
      avg: r.avg,
      convertedAvg: r.conv,
    }));
    return assembleHours(q, hours, inferred);
  }

  async function latest(mn: string): Promise<SeriesPoint[]> {
    ensureOpen();
    return selectPoints(
      `SELECT DISTINCT ON (p.pollutant) ${SELECT_POINT.split(', ').map((c) => `p.${c}`).join(', ')}
       FROM series_latest l
       JOIN series_points p ON p.kind = l.kind AND p.mn = l.mn AND p.pollutant = l.pollutant AND p.time = l.time
       WHERE l.mn = $1
       ORDER BY p.pollutant, CASE l.kind WHEN 'rtd' THEN 0 WHEN 'minute' THEN 1 WHEN 'hour' THEN 2 ELSE 3 END`,
      'pollutant',
      [mn],
    );
  }

  async function health(): Promise<{ ok: boolean; detail?: string }> {
    if (closed) return { ok: false, detail: 'closed' };
    try {
      await db.query('SELECT 1 FROM series_points LIMIT 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    if (ownsDb) await db.close();
  }

  return { kind: 'embedded', db, write, range, hourly, latest, health, close };
}
