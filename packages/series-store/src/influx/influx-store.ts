import { InfluxDB, setLogger, type QueryApi, type SendOptions } from '@influxdata/influxdb-client';
import type { Logger } from '@offsite/runtime';
import type { DataKind } from '@offsite/domain';
import type { HourlyAverage, HourlyQuery, RangeQuery, SeriesPoint, SeriesStore } from '../port.js';
import { KIND_PREFERENCE, comparePoints, dedupeLastWins, validatePoints, type StoredPoint } from '../points.js';
import { assembleHours, checkHourlyQuery, checkTimeWindow, expectedFromInterval, offsetMs, type HourBucket } from '../hourly.js';
import { AckedWriter } from './acked-writer.js';
import { hourlyFlux, latestFlux, rangeFlux } from './flux.js';
import { FLOAT_FIELDS, KINDS, NULLS_FIELD, STRING_FIELDS, fromPivotedRow, LineEncoder } from './schema.js';
import { ensureRollups, rollupFlux, type RollupOptions, type RollupResult } from './rollups.js';

export interface InfluxSeriesStoreOptions {
  url: string;
  token: string;
  org: string;
  bucket: string;
  logger: Logger;
  /** Points per HTTP write; default 5000 (InfluxDB 2 takes ~200k points/s at that size). */
  batchSize?: number;
  /** How long a partial batch waits for more points from concurrent writes; default 0 (next tick). */
  flushIntervalMs?: number;
  /** Retries per batch after the first failure; default 5. */
  maxRetries?: number;
  /** Random extra ms per retry delay; default 200. */
  retryJitter?: number;
  /** First retry delay; default 1000 ms, doubling up to maxRetryDelayMs (default 30 s). */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Concurrent HTTP writes; default 4. */
  maxInFlight?: number;
  /**
   * Gzip write bodies over 64 KiB: 'auto' (default) compresses unless the server is on loopback,
   * where compression only spends CPU the server could use (measured in docs/series-schema.md).
   */
  gzip?: 'auto' | boolean;
  /** HTTP timeout per request; default 30 s. */
  timeoutMs?: number;
}

export interface InfluxSeriesStore extends SeriesStore {
  readonly kind: 'influx';
  /** Creates (or updates) the hourly rollup bucket and the Flux task that fills it. */
  ensureRollups(opts?: RollupOptions): Promise<RollupResult>;
  /**
   * Re-aggregates raw rtd of [from, to) (widened to whole UTC hours) into the hourly bucket, for
   * backfills older than the task's 3-hour look-back.
   */
  rollup(from: number, to: number, hourlyBucket?: string): Promise<void>;
}

type Row = Record<string, unknown>;

/** SeriesStore on InfluxDB 2 (Flux). See docs/series-schema.md for the layout. */
export function createInfluxSeriesStore(opts: InfluxSeriesStoreOptions): InfluxSeriesStore {
  const log = opts.logger.child({ component: 'series-store', adapter: 'influx', bucket: opts.bucket });
  const batchSize = opts.batchSize ?? 5000;
  // The client logs its own view of failures to the console; AckedWriter already logs them with
  // context, so the client's copies go to pino at debug (the client's logger is process-wide).
  setLogger({
    error: (message, error) => log.debug({ err: error }, `influxdb-client: ${message}`),
    warn: (message, error) => log.debug({ err: error }, `influxdb-client: ${message}`),
  });
  const influx = new InfluxDB({ url: opts.url, token: opts.token, timeout: opts.timeoutMs ?? 30_000 });
  // Batching, acknowledgement and retries are AckedWriter's; each batch is one request through
  // the client's transport (the WriteApi's per-line buffer cost as much as encoding the points).
  const writePath = `/api/v2/write?org=${encodeURIComponent(opts.org)}&bucket=${encodeURIComponent(opts.bucket)}&precision=ms`;
  const gzip = opts.gzip === undefined || opts.gzip === 'auto' ? !isLoopback(opts.url) : opts.gzip;
  const sendOptions: SendOptions = { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, gzipThreshold: gzip ? 64 * 1024 : undefined };
  const sendLines = async (lines: string[]): Promise<void> => {
    await influx.transport.request(writePath, lines.join('\n'), sendOptions);
  };
  const writer = new AckedWriter(
    sendLines,
    {
      batchSize,
      flushIntervalMs: opts.flushIntervalMs ?? 0,
      maxInFlight: opts.maxInFlight ?? 4,
      maxRetries: opts.maxRetries ?? 5,
      retryJitter: opts.retryJitter ?? 200,
      minRetryDelayMs: opts.minRetryDelayMs ?? 1000,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? 30_000,
    },
    log,
  );
  const queryApi: QueryApi = influx.getQueryApi(opts.org);
  const encoder = new LineEncoder();
  let closed = false;

  const ensureOpen = () => {
    if (closed) throw new Error('series store is closed');
  };

  async function write(points: SeriesPoint[]): Promise<void> {
    ensureOpen();
    // Validate everything first (a bad point refuses the whole write), then encode batch by
    // batch, yielding between batches so the first ones are on the wire while the rest encode.
    const valid = dedupeLastWins(validatePoints(points));
    const acks: Promise<void>[] = [];
    for (let i = 0; i < valid.length; i += batchSize) {
      const ack = writer.write(valid.slice(i, i + batchSize).map((p) => encoder.encode(p)));
      ack.catch(() => undefined); // observed below by Promise.all; avoids an early unhandled rejection
      acks.push(ack);
      if (i + batchSize < valid.length) await new Promise<void>((r) => setImmediate(r));
    }
    await Promise.all(acks);
  }

  async function range(q: RangeQuery): Promise<SeriesPoint[]> {
    ensureOpen();
    checkTimeWindow(q.from, q.to, 'range');
    if (q.to === q.from || q.limit === 0) return [];
    const rows = await queryApi.collectRows<Row>(rangeFlux(opts.bucket, q));
    const points = rows.map((r) => fromPivotedRow(q.kind, r)).sort(comparePoints);
    return q.limit === undefined ? points : points.slice(0, Math.max(0, Math.floor(q.limit)));
  }

  async function hourly(q: HourlyQuery): Promise<HourlyAverage[]> {
    ensureOpen();
    checkHourlyQuery(q);
    if (q.to === q.from) return [];
    const rows = await queryApi.collectRows<Row>(
      hourlyFlux(opts.bucket, { mn: q.mn, pollutant: q.pollutant, from: q.from, to: q.to, offsetMs: offsetMs(q), withSpacing: q.expectedPerHour === undefined }),
    );
    const buckets: HourBucket[] = [];
    let spacing: number | null = null;
    for (const r of rows) {
      if (r.result === 'spacing') {
        spacing = typeof r.t === 'number' ? r.t : null;
        continue;
      }
      const valid = Number(r.valid);
      const ccount = Number(r.ccount);
      buckets.push({
        hourStart: Number(r.hour),
        totalCount: Number(r.total),
        validCount: valid,
        avg: valid > 0 ? Number(r.vsum) / valid : null,
        convertedAvg: ccount > 0 ? Number(r.csum) / ccount : null,
      });
    }
    return assembleHours(q, buckets, expectedFromInterval(spacing));
  }

  async function latest(mn: string): Promise<SeriesPoint[]> {
    ensureOpen();
    const rows = await queryApi.collectRows<Row>(latestFlux(opts.bucket, mn));
    // Rows are one per (series, field): rebuild each series' last point.
    const series = new Map<string, { kind: DataKind; rows: Row[] }>();
    for (const r of rows) {
      // One table per (series, field): the series is the measurement and the tags.
      const key = [r._measurement, r.mn, r.pollutant, r.region, r.enterprise, r.outlet].join('\u0000');
      const s = series.get(key) ?? { kind: r._measurement as DataKind, rows: [] };
      s.rows.push(r);
      series.set(key, s);
    }
    const best = new Map<string, StoredPoint>();
    for (const { kind, rows: fieldRows } of series.values()) {
      if (!KINDS.includes(kind)) continue;
      const marker = fieldRows.find((r) => r._field === NULLS_FIELD);
      const time = marker ? String(marker._time) : fieldRows.map((r) => String(r._time)).sort().at(-1)!;
      const pivoted: Row = { ...fieldRows[0], _time: time };
      for (const r of fieldRows) {
        if (r._time === time && ([...FLOAT_FIELDS, ...STRING_FIELDS, NULLS_FIELD] as string[]).includes(String(r._field))) pivoted[String(r._field)] = r._value;
      }
      const p = fromPivotedRow(kind, pivoted);
      const current = best.get(p.pollutant);
      const rank = (k: DataKind) => KIND_PREFERENCE.indexOf(k);
      if (!current || rank(p.kind) < rank(current.kind) || (p.kind === current.kind && p.time > current.time)) best.set(p.pollutant, p);
    }
    return [...best.values()].sort((a, b) => (a.pollutant < b.pollutant ? -1 : a.pollutant > b.pollutant ? 1 : comparePoints(a, b)));
  }

  async function health(): Promise<{ ok: boolean; detail?: string }> {
    try {
      const res = await fetch(new URL('/health', opts.url), { signal: AbortSignal.timeout(3000) });
      const body = (await res.json().catch(() => ({}))) as { status?: string; message?: string };
      if (res.ok && body.status === 'pass') return { ok: !closed, detail: closed ? 'closed' : undefined };
      return { ok: false, detail: `influx /health: HTTP ${res.status} ${body.status ?? ''} ${body.message ?? ''}`.trim() };
    } catch (err) {
      return { ok: false, detail: `influx /health: ${(err as Error).message}` };
    }
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await writer.drain();
  }

  return {
    kind: 'influx',
    write,
    range,
    hourly,
    latest,
    health,
    close,
    async rollup(from, to, hourlyBucket = `${opts.bucket}_hourly`) {
      ensureOpen();
      checkTimeWindow(from, to, 'rollup');
      const iso = (ms: number) => new Date(ms).toISOString();
      const start = Math.floor(from / 3_600_000) * 3_600_000;
      const stop = Math.ceil(to / 3_600_000) * 3_600_000;
      await queryApi.collectRows(rollupFlux(opts.bucket, hourlyBucket, iso(start), iso(stop)));
    },
    ensureRollups: (o) => ensureRollups({ url: opts.url, token: opts.token, org: opts.org, bucket: opts.bucket, logger: log }, o),
  };
}

/** localhost, 127.0.0.0/8 and ::1: where the bytes never leave the machine. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
