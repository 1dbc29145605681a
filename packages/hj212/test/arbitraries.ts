import fc from 'fast-check';
import type { BuildInput } from '../src/index.js';

/** Text that is legal inside a header value or CP value (no ; , & CR LF). */
const safeChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_:+ '.split(''));
export const safeText = (max: number) => fc.string({ unit: safeChar, maxLength: max });
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: n, maxLength: n });

const numberText = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((v) => v.toFixed(3)),
  fc.integer({ min: 0, max: 99999 }).map(String),
  fc.constantFrom('0.0', '12.30', '-0.120', '1E-3'),
);
const factorCode = fc.oneof(
  fc.constantFrom('a21026', 'a21002', 'a34013', 'a19001', 'a01012', 'a00000', 'w01018', 'w21003', 'w01001', 'w00000'),
  fc.tuple(fc.constantFrom('a', 'w', 'i'), digits(5)).map(([l, d]) => l + d),
);
const suffix = fc.constantFrom('Rtd', 'ZsRtd', 'Avg', 'ZsAvg', 'Min', 'Max', 'Cou', 'Flag', 'EFlag', 'SampleTime', 'Info');

/** A CP as a grouped item list: DataTime, then per-factor groups. */
const cpItems = fc
  .tuple(
    fc.option(digits(14), { nil: undefined }),
    fc.array(fc.tuple(factorCode, fc.uniqueArray(suffix, { minLength: 1, maxLength: 5 }), fc.array(numberText, { minLength: 5, maxLength: 5 })), { maxLength: 14 }),
    fc.array(fc.tuple(fc.constantFrom('SystemTime', 'QnRtn', 'ExeRtn', 'RtdInterval', 'BeginTime', 'EndTime', 'PolId'), safeText(14)), { maxLength: 3 }),
  )
  .map(([dataTime, factors, params]) => {
    const items: Array<{ key: string; value: string; group: number }> = [];
    let group = 0;
    if (dataTime !== undefined) items.push({ key: 'DataTime', value: dataTime, group: group++ });
    const seen = new Set<string>();
    for (const [code, suffixes, values] of factors) {
      if (seen.has(code)) continue;
      seen.add(code);
      suffixes.forEach((s, i) => items.push({ key: `${code}-${s}`, value: s === 'Flag' ? 'N' : (values[i] as string), group }));
      group++;
    }
    const seenParams = new Set<string>();
    for (const [key, value] of params) {
      if (seenParams.has(key)) continue;
      seenParams.add(key);
      items.push({ key, value, group: group++ });
    }
    return items;
  });

export const buildInput: fc.Arbitrary<BuildInput & { items: Array<{ key: string; value: string; group: number }> }> = fc
  .record({
    qn: fc.option(digits(17), { nil: null }),
    st: fc.constantFrom('21', '22', '31', '32', '91'),
    cn: fc.constantFrom('2011', '2051', '2061', '2031', '3020', '9011', '9014', '1012'),
    pw: fc.option(safeText(8), { nil: null }),
    mn: safeText(24),
    flag: fc.option(fc.constantFrom(0, 1, 4, 5), { nil: null }),
    split: fc.option(fc.integer({ min: 1, max: 20 }).chain((pnum) => fc.tuple(fc.constant(pnum), fc.integer({ min: 1, max: pnum }))), { nil: null }),
    items: cpItems,
  })
  .map(({ split, flag, ...rest }) => ({
    ...rest,
    flag: split ? (flag ?? 4) | 2 : flag,
    pnum: split ? split[0] : null,
    pno: split ? split[1] : null,
  }));
