import { CHINA_OFFSET_MINUTES } from '@offsite/domain';
import type { HourlyAverage, HourlyQuery } from './port.js';

/**
 * The HJ 75 valid-hour rule, in one place for both adapters. The adapters only aggregate (per
 * local hour: sample count, valid count, sums); the decision is made here.
 *
 * - A sample is valid when its flag is N or missing (a missing flag reads as N, as in
 *   @offsite/domain isValidSample) and it has a value. T ("at least the range") is not valid.
 * - An hour is valid when validCount >= 75% of the samples expected in an hour.
 * - expectedPerHour: the caller's figure when given; otherwise inferred from the data as
 *   3600 s / (median gap between consecutive rtd samples in the queried range, all flags), so
 *   "75% of expected" is exactly "at least 45 minutes' worth of valid samples". The median (not
 *   the mean) keeps gaps in the data from stretching the inferred interval.
 */
export const VALID_HOUR_FRACTION = 0.75;
export const HOUR_MS = 3_600_000;

export interface HourBucket {
  hourStart: number;
  totalCount: number;
  validCount: number;
  /** Mean of value over valid samples; null when none. */
  avg: number | null;
  /** Mean of converted over valid samples that carry one; null when none. */
  convertedAvg: number | null;
}

export function offsetMs(q: Pick<HourlyQuery, 'utcOffsetMinutes'>): number {
  return (q.utcOffsetMinutes ?? CHINA_OFFSET_MINUTES) * 60_000;
}

/** Start (epoch ms) of the local hour containing `time`, for a fixed UTC offset. */
export function localHourStart(time: number, utcOffsetMs: number): number {
  return Math.floor((time + utcOffsetMs) / HOUR_MS) * HOUR_MS - utcOffsetMs;
}

/** Expected samples per hour from a median sampling interval; null when it cannot be known. */
export function expectedFromInterval(medianIntervalMs: number | null): number | null {
  if (medianIntervalMs === null || !Number.isFinite(medianIntervalMs) || medianIntervalMs <= 0) return null;
  return HOUR_MS / medianIntervalMs;
}

export function isValidHour(validCount: number, expectedPerHour: number | null): boolean {
  if (expectedPerHour === null || validCount === 0) return false;
  return validCount >= VALID_HOUR_FRACTION * expectedPerHour - 1e-9;
}

/**
 * Every local hour whose start lies in [localHourStart(from), to), in order; hours without
 * samples come back with totalCount 0 (a missing hour is a fact the data-gap rule needs).
 */
export function assembleHours(q: HourlyQuery, buckets: HourBucket[], inferredExpected: number | null): HourlyAverage[] {
  const off = offsetMs(q);
  const expected = q.expectedPerHour ?? inferredExpected;
  const byHour = new Map(buckets.map((b) => [b.hourStart, b]));
  const out: HourlyAverage[] = [];
  for (let h = localHourStart(q.from, off); h < q.to; h += HOUR_MS) {
    const b = byHour.get(h);
    const validCount = b?.validCount ?? 0;
    out.push({
      hourStart: h,
      avg: b?.avg ?? null,
      convertedAvg: b?.convertedAvg ?? null,
      validCount,
      totalCount: b?.totalCount ?? 0,
      valid: isValidHour(validCount, expected),
      expectedPerHour: expected,
    });
  }
  return out;
}

/** Refuses queries that cannot mean anything, before they reach a database. */
export function checkTimeWindow(from: number, to: number, what: string): void {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new RangeError(`${what}: from and to must be finite epoch ms`);
  if (to < from) throw new RangeError(`${what}: to (${to}) is before from (${from})`);
}

/** Hourly over more than this many hours is refused (a typo in `from` should not build a 50-year array). */
export const MAX_HOURLY_HOURS = 24 * 400;

export function checkHourlyQuery(q: HourlyQuery): void {
  checkTimeWindow(q.from, q.to, 'hourly');
  if (!q.mn || !q.pollutant) throw new RangeError('hourly: mn and pollutant are required');
  if ((q.to - q.from) / HOUR_MS > MAX_HOURLY_HOURS) throw new RangeError(`hourly: at most ${MAX_HOURLY_HOURS} hours per query`);
  if (q.expectedPerHour !== undefined && !(q.expectedPerHour > 0)) throw new RangeError('hourly: expectedPerHour must be > 0');
  const off = q.utcOffsetMinutes ?? CHINA_OFFSET_MINUTES;
  if (!Number.isInteger(off) || Math.abs(off) > 14 * 60) throw new RangeError('hourly: utcOffsetMinutes must be an integer within ±840');
}
