import { flux, fluxDateTime, fluxExpression, fluxInteger, fluxString, type ParameterizedQuery } from '@influxdata/influxdb-client';
import type { DataKind } from '@offsite/domain';
import { HOUR_MS } from '../hourly.js';
import { KINDS, NULLS_FIELD } from './schema.js';

/** Flux text for each query of the port. Every value is interpolated through `flux`, which quotes it. */

const iso = (ms: number) => fluxDateTime(new Date(ms).toISOString());

/**
 * Raw points of one MN and kind in [from, to): one row per point, all fields as columns, one
 * table per series. Merging and ordering happen in the adapter: `group()` over pivoted tables
 * whose columns differ (a series that never had `converted`, say) followed by `sort()` misaligns
 * columns in Flux (seen on InfluxDB 2.7.12: one column's values shifted to other rows), so the
 * limit here is per series (a superset) and the adapter cuts it.
 */
export function rangeFlux(bucket: string, q: { mn: string; kind: DataKind; pollutant?: string; from: number; to: number; limit?: number }): ParameterizedQuery {
  const pollutant = q.pollutant === undefined ? fluxExpression('true') : fluxExpression(`r.pollutant == ${fluxString(q.pollutant)}`);
  const limit = q.limit === undefined ? fluxExpression('') : fluxExpression(`|> limit(n: ${fluxInteger(Math.max(0, Math.floor(q.limit)))})`);
  return flux`from(bucket: ${bucket})
  |> range(start: ${iso(q.from)}, stop: ${iso(q.to)})
  |> filter(fn: (r) => r._measurement == ${q.kind} and r.mn == ${q.mn} and ${pollutant})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> drop(columns: ["_start", "_stop", "_measurement"])
  ${limit}`;
}

/**
 * Per local hour: sample count, valid count (flag N or absent, value present), sums of value and
 * converted over valid samples; and (when asked) the median gap between samples, from which the
 * expected samples per hour are inferred. The valid-hour decision itself is made in hourly.ts.
 * The hour is computed from each sample's time, not from window(), because Flux clips the first
 * window's start to the range start.
 */
export function hourlyFlux(bucket: string, q: { mn: string; pollutant: string; from: number; to: number; offsetMs: number; withSpacing: boolean }): ParameterizedQuery {
  const spacing = q.withSpacing
    ? fluxExpression(`
rows |> keep(columns: ["t"]) |> group() |> sort(columns: ["t"]) |> difference(columns: ["t"]) |> map(fn: (r) => ({r with t: float(v: r.t)})) |> median(column: "t", method: "exact_mean") |> yield(name: "spacing")`)
    : fluxExpression('');
  return flux`import "strings"
rows = from(bucket: ${bucket})
  |> range(start: ${iso(q.from)}, stop: ${iso(q.to)})
  |> filter(fn: (r) => r._measurement == "rtd" and r.mn == ${q.mn} and r.pollutant == ${q.pollutant})
  |> filter(fn: (r) => r._field == "value" or r._field == "converted" or r._field == "flag" or r._field == ${NULLS_FIELD})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> map(fn: (r) => {
      n = if exists r.nulls then r.nulls else ""
      fl = if exists r.flag and not strings.containsStr(v: n, substr: ",flag,") then r.flag else "N"
      hasValue = exists r.value and not strings.containsStr(v: n, substr: ",value,")
      hasConverted = exists r.converted and not strings.containsStr(v: n, substr: ",converted,")
      ok = hasValue and fl == "N"
      t = int(v: r._time) / 1000000
      local = t + ${fluxInteger(q.offsetMs)}
      return {
        hour: local - (local % ${fluxInteger(HOUR_MS)}) - ${fluxInteger(q.offsetMs)},
        t: t,
        ok: if ok then 1 else 0,
        v: if ok then float(v: r.value) else 0.0,
        cok: if ok and hasConverted then 1 else 0,
        c: if ok and hasConverted then float(v: r.converted) else 0.0,
      }
    })
// map() returns the same columns for every series, so regrouping by hour merges like tables.
rows
  |> group(columns: ["hour"])
  |> reduce(
      identity: {total: 0, valid: 0, vsum: 0.0, ccount: 0, csum: 0.0},
      fn: (r, accumulator) => ({
        total: accumulator.total + 1,
        valid: accumulator.valid + r.ok,
        vsum: accumulator.vsum + r.v,
        ccount: accumulator.ccount + r.cok,
        csum: accumulator.csum + r.c,
      }),
    )
  |> group()
  |> yield(name: "hours")
${spacing}`;
}

/**
 * Last value of every field of every series of one MN. `last()` per field is pushed down to the
 * storage engine; the point's time is the time of its last `nulls` (present in every write), and
 * a field whose last time is earlier was absent from that point.
 */
export function latestFlux(bucket: string, mn: string): ParameterizedQuery {
  const kinds = fluxExpression(KINDS.map((k) => `r._measurement == ${fluxString(k)}`).join(' or '));
  return flux`from(bucket: ${bucket})
  |> range(start: 0, stop: 2200-01-01T00:00:00Z)
  |> filter(fn: (r) => r.mn == ${mn} and (${kinds}))
  |> last()`;
}
