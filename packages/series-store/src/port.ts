import type { DataKind } from '@offsite/domain';

/**
 * The SeriesStore port: time-series points keyed by (measurement, tags, time); writing the same
 * key twice keeps one point (last write wins), so replays are idempotent.
 * Adapters: InfluxDB 2 and embedded SQL (PGlite); both pass test/contract.ts.
 */
export interface SeriesPoint {
  mn: string;
  kind: DataKind;
  pollutant: string;
  /** Epoch ms, event time. */
  time: number;
  value: number | null;
  converted?: number | null;
  min?: number | null;
  max?: number | null;
  cou?: number | null;
  flag: string | null;
  /** Written text of value, kept for evidence. */
  text?: string | null;
  /** Site tags (empty strings when the MN is unregistered). */
  region?: string;
  enterprise?: string;
  outlet?: string;
}

export interface RangeQuery {
  mn: string;
  kind: DataKind;
  pollutant?: string;
  from: number;
  to: number;
  limit?: number;
}

export interface HourlyQuery {
  mn: string;
  pollutant: string;
  from: number;
  to: number;
  /** Samples expected per hour from the rtd series, for the HJ 75 valid-hour rule (75%). */
  expectedPerHour?: number;
  /** Site offset from UTC; hours are aligned to local hours. Default 480 (UTC+8). */
  utcOffsetMinutes?: number;
}

export interface HourlyAverage {
  hourStart: number;
  avg: number | null;
  convertedAvg: number | null;
  /** Samples with flag N. */
  validCount: number;
  totalCount: number;
  valid: boolean;
  /**
   * Added (additive): the expected samples per hour the validity was judged against: the query's
   * expectedPerHour, or the one inferred from the series' median sampling interval; null when it
   * could not be inferred (fewer than two samples). Evidence needs the basis, not just the verdict.
   */
  expectedPerHour?: number | null;
}

export interface SeriesStore {
  readonly kind: 'influx' | 'embedded';
  /**
   * Resolves once every point is durable. The store may read the points until then (without
   * copying them), so callers must not mutate them before it settles.
   */
  write(points: SeriesPoint[]): Promise<void>;
  /** Raw points in [from, to), ordered by time then pollutant. */
  range(q: RangeQuery): Promise<SeriesPoint[]>;
  /** Hourly averages over valid (flag N) rtd samples in [from, to). */
  hourly(q: HourlyQuery): Promise<HourlyAverage[]>;
  /** Latest point per pollutant of one MN (any kind; rtd preferred). */
  latest(mn: string): Promise<SeriesPoint[]>;
  health(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
