import type { Logger } from '@offsite/runtime';
import { z } from 'zod';

/**
 * Hourly rollups in InfluxDB: a second bucket (default `offsite_hourly`) holding, per MN,
 * pollutant and local hour, the same sums the hourly() query computes (total, valid, vsum,
 * ccount, csum, measurement `rtd_hourly`), filled by a Flux task every hour (5 min after the
 * hour, re-aggregating the last 3 complete hours so late data within that bound lands). Older
 * backfill (HJ 212 补发) is re-aggregated with `rollupFlux` over its range. hourly() keeps reading
 * the raw bucket: the rollups serve dashboards and long look-backs after raw data expires.
 * Hours are UTC-aligned in the task, which equals local hours for whole-hour offsets (China, +8).
 */
export interface RollupOptions {
  hourlyBucket?: string;
  /** Retention of the hourly bucket; default 0 = forever. */
  hourlyRetentionDays?: number;
  /** When given, also sets the raw bucket's retention (destructive: older raw data expires). */
  rawRetentionDays?: number;
  taskName?: string;
}

export interface RollupResult {
  hourlyBucket: string;
  hourlyBucketId: string;
  taskId: string;
  taskName: string;
  created: { bucket: boolean; task: boolean };
}

interface Conn {
  url: string;
  token: string;
  org: string;
  bucket: string;
  logger: Logger;
}

const IdList = (key: string) => z.object({ [key]: z.array(z.object({ id: z.string(), name: z.string() }).loose()) });

const IMPORTS = 'import "strings"\nimport "experimental"\n';

function rollupPipeline(source: string, target: string, start: string, stop: string): string {
  const q = (s: string) => JSON.stringify(s);
  return `from(bucket: ${q(source)})
  |> range(start: ${start}, stop: ${stop})
  |> filter(fn: (r) => r._measurement == "rtd")
  |> filter(fn: (r) => r._field == "value" or r._field == "converted" or r._field == "flag" or r._field == "nulls")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> map(fn: (r) => {
      n = if exists r.nulls then r.nulls else ""
      fl = if exists r.flag and not strings.containsStr(v: n, substr: ",flag,") then r.flag else "N"
      hasValue = exists r.value and not strings.containsStr(v: n, substr: ",value,")
      hasConverted = exists r.converted and not strings.containsStr(v: n, substr: ",converted,")
      ok = hasValue and fl == "N"
      return {r with ok: if ok then 1 else 0, v: if ok then float(v: r.value) else 0.0,
        cok: if ok and hasConverted then 1 else 0, c: if ok and hasConverted then float(v: r.converted) else 0.0}
    })
  |> window(every: 1h)
  |> reduce(
      identity: {total: 0, valid: 0, vsum: 0.0, ccount: 0, csum: 0.0},
      fn: (r, accumulator) => ({total: accumulator.total + 1, valid: accumulator.valid + r.ok, vsum: accumulator.vsum + r.v,
        ccount: accumulator.ccount + r.cok, csum: accumulator.csum + r.c}),
    )
  |> map(fn: (r) => ({r with _time: r._start, _measurement: "rtd_hourly"}))
  |> group(columns: ["_measurement", "mn", "pollutant", "region", "enterprise", "outlet"])
  |> drop(columns: ["_start", "_stop"])
  |> experimental.to(bucket: ${q(target)})
`;
}

/**
 * Flux that aggregates raw rtd points in [start, stop) into hourly sums in `target`. `start` and
 * `stop` are Flux expressions that must fall on hour boundaries (absolute times for a backfill,
 * truncated `now()` in the task).
 */
export function rollupFlux(source: string, target: string, start: string, stop: string): string {
  return IMPORTS + rollupPipeline(source, target, start, stop);
}

export function rollupTaskFlux(name: string, source: string, target: string): string {
  return `import "date"
${IMPORTS}option task = {name: ${JSON.stringify(name)}, every: 1h, offset: 5m}
${rollupPipeline(source, target, 'date.truncate(t: -3h, unit: 1h)', 'date.truncate(t: now(), unit: 1h)')}`;
}

/** One REST call; `notFound` is returned for a 404 (InfluxDB answers 404, not [], to a name that matches nothing). */
async function api<T>(c: Conn, method: string, path: string, body: unknown, schema: z.ZodType<T>, notFound?: T): Promise<T> {
  const res = await fetch(new URL(path, c.url), {
    method,
    headers: { Authorization: `Token ${c.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status === 404 && notFound !== undefined) return notFound;
  if (!res.ok) throw new Error(`influx ${method} ${path}: HTTP ${res.status} ${text}`);
  return schema.parse(text ? JSON.parse(text) : {});
}

export async function ensureRollups(c: Conn, o: RollupOptions = {}): Promise<RollupResult> {
  const hourlyBucket = o.hourlyBucket ?? `${c.bucket}_hourly`;
  const taskName = o.taskName ?? `${c.bucket}_rtd_hourly`;
  const orgs = await api(c, 'GET', `/api/v2/orgs?org=${encodeURIComponent(c.org)}`, undefined, IdList('orgs'));
  const orgID = (orgs.orgs as { id: string }[])[0]?.id;
  if (!orgID) throw new Error(`influx org ${c.org} not found`);
  const retention = (days: number | undefined) => [{ type: 'expire', everySeconds: Math.round((days ?? 0) * 86_400) }];

  const findBucket = async (name: string) =>
    (await api(c, 'GET', `/api/v2/buckets?orgID=${orgID}&name=${encodeURIComponent(name)}`, undefined, IdList('buckets'), { buckets: [] })).buckets as { id: string }[];
  let created = { bucket: false, task: false };
  let bucketId = (await findBucket(hourlyBucket))[0]?.id;
  if (!bucketId) {
    const b = await api(c, 'POST', '/api/v2/buckets', { orgID, name: hourlyBucket, retentionRules: retention(o.hourlyRetentionDays) }, z.object({ id: z.string() }).loose());
    bucketId = b.id;
    created = { ...created, bucket: true };
  } else {
    await api(c, 'PATCH', `/api/v2/buckets/${bucketId}`, { retentionRules: retention(o.hourlyRetentionDays) }, z.unknown());
  }
  if (o.rawRetentionDays !== undefined) {
    const raw = (await findBucket(c.bucket))[0];
    if (!raw) throw new Error(`influx bucket ${c.bucket} not found`);
    await api(c, 'PATCH', `/api/v2/buckets/${raw.id}`, { retentionRules: retention(o.rawRetentionDays) }, z.unknown());
  }

  const flux = rollupTaskFlux(taskName, c.bucket, hourlyBucket);
  const tasks = await api(c, 'GET', `/api/v2/tasks?orgID=${orgID}&name=${encodeURIComponent(taskName)}`, undefined, IdList('tasks'), { tasks: [] });
  let taskId = (tasks.tasks as { id: string }[])[0]?.id;
  if (!taskId) {
    const t = await api(c, 'POST', '/api/v2/tasks', { orgID, flux, status: 'active', description: 'offsite: hourly rollups of rtd (series-store)' }, z.object({ id: z.string() }).loose());
    taskId = t.id;
    created = { ...created, task: true };
  } else {
    await api(c, 'PATCH', `/api/v2/tasks/${taskId}`, { flux, status: 'active' }, z.unknown());
  }
  c.logger.info({ hourlyBucket, taskName, taskId, created }, 'influx rollups ensured');
  return { hourlyBucket, hourlyBucketId: bucketId, taskId, taskName, created };
}
