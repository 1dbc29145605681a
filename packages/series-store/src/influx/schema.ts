import { Point, type PointSettings } from '@influxdata/influxdb-client';
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

export function toLineProtocol(p: StoredPoint, settings: Partial<PointSettings>): string {
  const point = new Point(p.kind).tag('mn', p.mn).tag('pollutant', p.pollutant);
  if (p.region) point.tag('region', p.region);
  if (p.enterprise) point.tag('enterprise', p.enterprise);
  if (p.outlet) point.tag('outlet', p.outlet);
  let nulls = '';
  for (const f of FLOAT_FIELDS) {
    const v = p[f];
    if (v === null) nulls += `,${f}`;
    else point.floatField(f, v);
  }
  for (const f of STRING_FIELDS) {
    const v = p[f];
    if (v === null) nulls += `,${f}`;
    else point.stringField(f, v);
  }
  point.stringField(NULLS_FIELD, nulls ? `${nulls},` : '');
  point.timestamp(p.time);
  const line = point.toLineProtocol(settings);
  if (!line) throw new Error(`cannot encode point ${p.mn}/${p.pollutant}@${p.time}`);
  return line;
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
