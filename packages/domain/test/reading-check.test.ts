import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeReadingBatch, ReadingBatch } from '../src/reading.js';
import { isExactReadingBatch } from '../src/reading-check.js';

const edge = fc.oneof(
  fc.constantFrom(null, '', 'N', 'X', 'rtd', 'week', '2017', '2011', 'mqtt', 'kafka', 0, -1, 1.5, 2 ** 53, 1_735_689_600_000, [], {}, true),
  fc.string({ maxLength: 4 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { maxKeys: 2 }),
);
const reading = fc.record(
  {
    code: fc.constantFrom('a21026', 'a34013', 'w01018'),
    originalCode: fc.constantFrom('02', 'a21026'),
    value: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
    text: fc.option(fc.constantFrom('12.50', '0', '-3.1')),
    converted: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
    min: fc.option(fc.integer()),
    max: fc.option(fc.integer()),
    cou: fc.option(fc.integer()),
    flag: fc.option(fc.constantFrom('N', 'F', 'M', 'S', 'D', 'C', 'T', 'B')),
    eflag: fc.option(fc.constantFrom('A01', '')),
    sampleTime: fc.option(fc.integer()),
    extra: fc.dictionary(fc.constantFrom('Hou', 'Ext', 'x'), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
  },
  { requiredKeys: ['code', 'value', 'text', 'flag'] },
);
const batch = fc.record({
  mn: fc.string({ minLength: 1, maxLength: 8 }),
  st: fc.constantFrom('31', '32'),
  cn: fc.constantFrom('2011', '2051'),
  kind: fc.constantFrom('rtd', 'minute', 'hour', 'day'),
  qn: fc.option(fc.constant('20250101000000000')),
  dataTime: fc.integer({ min: 0, max: 2 ** 45 }),
  receivedAt: fc.integer({ min: 0, max: 2 ** 45 }),
  protocol: fc.constantFrom('2017', '2005'),
  source: fc.constantFrom('mqtt', 'tcp', 'json', 'replay'),
  readings: fc.array(reading, { maxLength: 4 }),
});
type Json = Record<string, unknown>;
const edit = fc.tuple(fc.constantFrom('batch', 'reading'), fc.string({ maxLength: 12 }), fc.constantFrom('set', 'delete'), edge);
const mutated = fc.tuple(batch, fc.array(edit, { maxLength: 3 }), fc.constantFrom(...Object.keys(ReadingBatch.shape), 'code', 'value', 'text', 'flag', 'extra', 'min', 'eflag')).map(([b, edits, fallbackKey]) => {
  const out = structuredClone(b) as Json;
  for (const [where, key, op, value] of edits) {
    const first: unknown = Array.isArray(out.readings) ? out.readings[0] : undefined;
    const target = where === 'reading' && typeof first === 'object' && first !== null ? (first as Json) : out;
    const k = key.length > 0 && key.length % 3 === 0 ? key : fallbackKey; // mostly real keys, sometimes unknown ones
    if (op === 'delete') delete target[k];
    else target[k] = value;
  }
  return out;
});

describe('isExactReadingBatch (the fast path of decodeReadingBatch)', () => {
  it('decodes exactly as the zod schema does, on valid, broken and partly broken messages', () => {
    fc.assert(
      fc.property(fc.oneof(batch, mutated, edge), (input) => {
        const text = JSON.stringify(input);
        const reference = ReadingBatch.safeParse(JSON.parse(text));
        const decoded = decodeReadingBatch(text);
        expect(decoded.ok).toBe(reference.success);
        if (decoded.ok && reference.success) expect(decoded.batch).toEqual(reference.data);
        // The fast path never accepts what zod would refuse or change.
        if (isExactReadingBatch(JSON.parse(text))) {
          expect(reference.success).toBe(true);
          expect(reference.data).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes the fast path for every well-formed batch', () => {
    fc.assert(fc.property(batch, (b) => isExactReadingBatch(JSON.parse(JSON.stringify(b)))));
  });

  it('leaves unknown keys to zod, which strips them', () => {
    const b = { mn: 'M1', st: '31', cn: '2011', kind: 'rtd', qn: null, dataTime: 0, receivedAt: 0, protocol: '2017', source: 'mqtt', readings: [{ code: 'a', value: 1, text: '1', flag: 'N', vendor: 'x' }] };
    expect(isExactReadingBatch(b)).toBe(false);
    const d = decodeReadingBatch(JSON.stringify(b));
    expect(d.ok && d.batch.readings[0]).toEqual({ code: 'a', value: 1, text: '1', flag: 'N' });
  });
});
