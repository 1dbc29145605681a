import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dedupeLastWins, isValidPoint, pointKey, SeriesPointError, SeriesPointInput, validatePoints, type StoredPoint } from '../src/points.js';

// Values near every rule's edge, for every field: the hand-written check must agree with the
// zod schema on each of them and on any mix.
const edgeValue = fc.oneof(
  fc.constantFrom(null, undefined, '', 'N', 'M', 'TOOLONGFLAG', 'a\\', 'a\nb', 'a\tb', 'a\rb', 'rtd', 'minute', 'hour', 'day', 'week', 'a21026', 'x'.repeat(8), 'x'.repeat(9)),
  fc.constantFrom(0, -0, 1.5, -3, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 - 1, -(2 ** 53) + 1, 1_735_689_600_000),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 10 }),
  fc.constantFrom([], {}, true, 1n),
);
const fieldKeys = ['mn', 'kind', 'pollutant', 'time', 'value', 'converted', 'min', 'max', 'cou', 'flag', 'text', 'region', 'enterprise', 'outlet'] as const;
const validPoint = fc.record({
  mn: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\n\r\t]/.test(s) && !s.endsWith('\\')),
  kind: fc.constantFrom('rtd', 'minute', 'hour', 'day'),
  pollutant: fc.constantFrom('a21026', 'w01018', 'a34013'),
  time: fc.integer({ min: 0, max: 2 ** 45 }),
  value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
  flag: fc.option(fc.constantFrom('N', 'M', 'F', 'D')),
});
// A valid point with zero to three fields replaced by edge values (or removed).
const mutatedPoint = fc
  .tuple(validPoint, fc.array(fc.tuple(fc.constantFrom(...fieldKeys), edgeValue, fc.boolean()), { maxLength: 3 }))
  .map(([p, edits]) => {
    const out: Record<string, unknown> = { ...p };
    for (const [key, value, remove] of edits) {
      if (remove) delete out[key];
      else out[key] = value;
    }
    return out;
  });

describe('series point validation', () => {
  it('the hand-written check agrees with the zod schema on valid, broken and partly broken points', () => {
    fc.assert(
      fc.property(fc.oneof(validPoint, mutatedPoint, edgeValue), (p) => {
        expect(isValidPoint(p)).toBe(SeriesPointInput.safeParse(p).success);
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts every generated valid point and refuses a broken one with the zod message', () => {
    fc.assert(fc.property(validPoint, (p) => isValidPoint(p)));
    const good = { mn: 'M1', kind: 'rtd' as const, pollutant: 'a21026', time: 0, value: 1, flag: 'N' };
    expect(() => validatePoints([good, { ...good, time: 1.5 }])).toThrow(SeriesPointError);
    expect(() => validatePoints([good, { ...good, time: 1.5 }])).toThrow(/#1: time/);
    expect(() => validatePoints([{ ...good, region: 'a\\' }])).toThrow(/#0: region: must not end with a backslash/);
  });
});

describe('dedupeLastWins', () => {
  const stored = (mn: string, pollutant: string, time: number, value: number): StoredPoint => ({
    mn, kind: 'rtd', pollutant, time, value, converted: null, min: null, max: null, cou: null, flag: 'N', text: null, region: '', enterprise: '', outlet: '',
  });
  // The obvious model: walk backwards, keep the first (= last written) of each key, restore order.
  const model = (points: StoredPoint[]) => {
    const seen = new Set<string>();
    const kept: StoredPoint[] = [];
    for (let i = points.length - 1; i >= 0; i--) {
      const key = pointKey(points[i]!);
      if (!seen.has(key)) {
        seen.add(key);
        kept.push(points[i]!);
      }
    }
    return kept.reverse();
  };

  it('keeps the last point of every (kind, mn, pollutant, time) in order of last occurrence, runs or not', () => {
    const arbPoint = fc.tuple(fc.constantFrom('M1', 'M2'), fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 3 }), fc.integer()).map(([mn, pol, t, v]) => stored(mn, pol, t, v));
    fc.assert(
      fc.property(fc.array(arbPoint, { maxLength: 30 }), (points) => {
        expect(dedupeLastWins(points)).toEqual(model(points));
      }),
      { numRuns: 5_000 },
    );
  });

  it('returns the input itself when nothing repeats', () => {
    const points = ['a', 'b', 'c'].flatMap((pol) => [stored('M1', pol, 0, 1), stored('M1', pol, 1, 1)]);
    expect(dedupeLastWins(points)).toBe(points);
  });
});
