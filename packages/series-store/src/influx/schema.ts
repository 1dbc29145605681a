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
 * else the adapter does. The series prefix is cached in two levels (site part per kind and MN,
 * then per pollutant) so a point costs two small map lookups, not a six-part key.
 */
export class LineEncoder {
  private heads = new Map<string, { site: string; head: string; byPollutant: Map<string, string> }>();
  private cached = 0;

  encode(p: StoredPoint): string {
    return `${this.prefix(p)} ${this.fields(p)} ${p.time}`;
  }

  private prefix(p: StoredPoint): string {
    const headKey = `${p.kind}\u0000${p.mn}`;
    const site = `${p.region}\u0000${p.enterprise}\u0000${p.outlet}`;
    let head = this.heads.get(headKey);
    if (head === undefined || head.site !== site) {
      if (this.cached > 50_000) {
        this.heads.clear();
        this.cached = 0;
      }
      // Tags in key order (enterprise, mn, outlet, pollutant, region), as InfluxDB prefers.
      let h = escape.measurement(p.kind);
      if (p.enterprise) h += `,enterprise=${escape.tag(p.enterprise)}`;
      h += `,mn=${escape.tag(p.mn)}`;
      if (p.outlet) h += `,outlet=${escape.tag(p.outlet)}`;
      head = { site, head: h, byPollutant: new Map() };
      this.heads.set(headKey, head);
    }
    let prefix = head.byPollutant.get(p.pollutant);
    if (prefix === undefined) {
      prefix = `${head.head},pollutant=${escape.tag(p.pollutant)}${p.region ? `,region=${escape.tag(p.region)}` : ''}`;
      head.byPollutant.set(p.pollutant, prefix);
      this.cached++;
    }
    return prefix;
  }

  private fields(p: StoredPoint): string {
    let fields = '';
    let nulls = '';
    if (p.value === null) nulls += ',value';
    else fields += `value=${p.value},`;
    if (p.converted === null) nulls += ',converted';
    else fields += `converted=${p.converted},`;
    if (p.min === null) nulls += ',min';
    else fields += `min=${p.min},`;
    if (p.max === null) nulls += ',max';
    else fields += `max=${p.max},`;
    if (p.cou === null) nulls += ',cou';
    else fields += `cou=${p.cou},`;
    if (p.flag === null) nulls += ',flag';
    else fields += `flag=${quoted(p.flag)},`;
    if (p.text === null) nulls += ',text';
    else fields += `text=${quoted(p.text)},`;
    return `${fields}${NULLS_FIELD}="${nulls ? `${nulls},` : ''}"`;
  }
}

const NEEDS_ESCAPE = /["\\]/;
/** A string field value; most (flags, digits) need no escaping, so test before replacing. */
const quoted = (v: string): string => (NEEDS_ESCAPE.test(v) ? escape.quoted(v) : `"${v}"`);

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
