import { escape } from '@influxdata/influxdb-client';
import type { DataKind } from '@offsite/domain';
import type { StoredPoint } from '../points.js';

/**
 * The InfluxDB layout (docs/series-schema.md explains each choice):
 * - measurement = data kind (rtd, minute, hour, day);
 * - tags = mn, pollutant, region, enterprise, outlet (the last three depend on the MN alone, so
 *   they add no series beyond mn × pollutant; empty ones are simply absent);
 * - fields = value, converted, min, max, cou (float), flag, text (string), nulls (string).
 * flag is a FIELD: as a tag, a corrected flag for the same (mn, pollutant, time) would open a
 * second series and leave two points where the port promises one.
 * nulls lists the fields that were null in the last write of the point, as ",converted,flag,":
 * InfluxDB merges the fields of two writes of one point, so without it a re-write could not clear
 * a field that an earlier write had set. Every point carries nulls, so it also marks the point's
 * existence (latest() relies on it).
 */
export const KINDS: readonly DataKind[] = ['rtd', 'minute', 'hour', 'day'];
export const TAGS = ['mn', 'pollutant', 'region', 'enterprise', 'outlet'] as const;
export const FLOAT_FIELDS = ['value', 'converted', 'min', 'max', 'cou'] as const;
export const STRING_FIELDS = ['flag', 'text'] as const;
export const NULLS_FIELD = 'nulls';

type NullableField = (typeof FLOAT_FIELDS)[number] | (typeof STRING_FIELDS)[number];

/**
 * Line protocol for one point, written by hand with the client's own escapers: the client's
 * Point class (key sorting, per-field objects) cost ~25 µs a point here, more than everything
 * else the adapter does. Series prefixes repeat across times, so they are cached per encoder.
 */
export class LineEncoder {
  private prefixes = new Map<string, string>();

  encode(p: StoredPoint): string {
    const key = `${p.kind}\u0000${p.mn}\u0000${p.pollutant}\u0000${p.region}\u0000${p.enterprise}\u0000${p.outlet}`;
    let prefix = this.prefixes.get(key);
    if (prefix === undefined) {
      // Tags in key order (enterprise, mn, outlet, pollutant, region), as InfluxDB prefers.
      prefix = escape.measurement(p.kind);
      if (p.enterprise) prefix += `,enterprise=${escape.tag(p.enterprise)}`;
      prefix += `,mn=${escape.tag(p.mn)}`;
      if (p.outlet) prefix += `,outlet=${escape.tag(p.outlet)}`;
      prefix += `,pollutant=${escape.tag(p.pollutant)}`;
      if (p.region) prefix += `,region=${escape.tag(p.region)}`;
      if (this.prefixes.size > 50_000) this.prefixes.clear();
      this.prefixes.set(key, prefix);
    }
    let fields = '';
    let nulls = '';
    for (const f of FLOAT_FIELDS) {
      const v = p[f];
      if (v === null) nulls += `,${f}`;
      else fields += `${f}=${String(v)},`;
    }
    for (const f of STRING_FIELDS) {
      const v = p[f];
      if (v === null) nulls += `,${f}`;
      else fields += `${f}=${escape.quoted(v)},`;
    }
    fields += `${NULLS_FIELD}="${nulls ? `${nulls},` : ''}"`;
    return `${prefix} ${fields} ${p.time}`;
  }
}

/** A pivoted Flux row (one point of one series) back to a StoredPoint. */
export function fromPivotedRow(kind: DataKind, row: Record<string, unknown>): StoredPoint {
  const nulls = typeof row[NULLS_FIELD] === 'string' ? (row[NULLS_FIELD] as string) : '';
  const isNull = (f: NullableField) => nulls.includes(`,${f},`) || row[f] === null || row[f] === undefined;
  const num = (f: (typeof FLOAT_FIELDS)[number]) => (isNull(f) ? null : Number(row[f]));
  const str = (f: (typeof STRING_FIELDS)[number]) => (isNull(f) ? null : String(row[f]));
  const tag = (t: (typeof TAGS)[number]) => (typeof row[t] === 'string' ? (row[t] as string) : '');
  return {
    mn: tag('mn'),
    kind,
    pollutant: tag('pollutant'),
    time: Date.parse(String(row._time)),
    value: num('value'),
    converted: num('converted'),
    min: num('min'),
    max: num('max'),
    cou: num('cou'),
    flag: str('flag'),
    text: str('text'),
    region: tag('region'),
    enterprise: tag('enterprise'),
    outlet: tag('outlet'),
  };
}
