/**
 * Tables of the embedded SeriesStore. All names start with `series_` so the all-in-one can share
 * one PGlite with the lead store. Times are bigint epoch ms (exact, no time-zone conversions);
 * pollutant uses the "C" collation so ORDER BY matches the byte order InfluxDB sorts tags in.
 */
export const SERIES_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS series_points (
  kind        text NOT NULL,
  mn          text NOT NULL,
  pollutant   text COLLATE "C" NOT NULL,
  time        bigint NOT NULL,
  value       double precision,
  converted   double precision,
  min         double precision,
  max         double precision,
  cou         double precision,
  flag        text,
  text        text,
  region      text NOT NULL DEFAULT '',
  enterprise  text NOT NULL DEFAULT '',
  outlet      text NOT NULL DEFAULT '',
  PRIMARY KEY (kind, mn, pollutant, time)
);
-- range() without a pollutant: all pollutants of one MN and kind, ordered by time.
CREATE INDEX IF NOT EXISTS series_points_mn_kind_time ON series_points (mn, kind, time);
-- Latest time per (mn, pollutant, kind), kept on write so latest() reads a handful of rows
-- instead of scanning an MN's history. Points are never deleted by the port, so GREATEST holds.
CREATE TABLE IF NOT EXISTS series_latest (
  mn        text NOT NULL,
  pollutant text COLLATE "C" NOT NULL,
  kind      text NOT NULL,
  time      bigint NOT NULL,
  PRIMARY KEY (mn, pollutant, kind)
);
`;

export const POINT_COLUMNS = ['kind', 'mn', 'pollutant', 'time', 'value', 'converted', 'min', 'max', 'cou', 'flag', 'text', 'region', 'enterprise', 'outlet'] as const;

const COLUMN_TYPES: Record<(typeof POINT_COLUMNS)[number], string> = {
  kind: 'text', mn: 'text', pollutant: 'text', time: 'bigint', value: 'float8', converted: 'float8', min: 'float8', max: 'float8',
  cou: 'float8', flag: 'text', text: 'text', region: 'text', enterprise: 'text', outlet: 'text',
};

/**
 * One statement per chunk whatever its size: one array parameter per column (unnest), so there
 * is no 65535-parameter ceiling and the statement text stays the same (parsed once).
 */
export const UPSERT_POINTS_SQL = `
INSERT INTO series_points (${POINT_COLUMNS.join(', ')})
SELECT * FROM unnest(${POINT_COLUMNS.map((c, i) => `$${i + 1}::${COLUMN_TYPES[c]}[]`).join(', ')})
ON CONFLICT (kind, mn, pollutant, time) DO UPDATE SET
${POINT_COLUMNS.filter((c) => !['kind', 'mn', 'pollutant', 'time'].includes(c))
  .map((c) => `  ${c} = excluded.${c}`)
  .join(',\n')}
`;

export const UPSERT_LATEST_SQL = `
INSERT INTO series_latest (mn, pollutant, kind, time)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
ON CONFLICT (mn, pollutant, kind) DO UPDATE SET time = GREATEST(series_latest.time, excluded.time)
`;
