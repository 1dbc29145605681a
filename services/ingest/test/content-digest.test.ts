import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { itemsDigest, type DigestItem } from '../src/content-digest.js';

const text = (forbidden: RegExp) => fc.string({ minLength: 0, maxLength: 12, unit: 'binary' }).map((s) => s.replace(forbidden, ''));
const item = fc.record({ key: text(/[;,=&\r\n]/g).filter((k) => k.length > 0), value: text(/[;,&\r\n]/g), group: fc.nat({ max: 40 }) });
const items = fc.array(item, { minLength: 1, maxLength: 30 });

/** One change that makes the list say something else. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('value' as const), at: fc.nat(), extra: fc.constantFrom('0', '1', '.', 'x') }),
  fc.record({ kind: fc.constant('key' as const), at: fc.nat(), extra: fc.constantFrom('a', '-', 'Z') }),
  fc.record({ kind: fc.constant('group' as const), at: fc.nat(), extra: fc.constant('') }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat(), extra: fc.constant('') }),
  fc.record({ kind: fc.constant('boundary' as const), at: fc.nat(), extra: fc.constant('') }),
);

function mutate(list: DigestItem[], m: { kind: string; at: number; extra: string }): DigestItem[] | null {
  const at = m.at % list.length;
  const out = list.map((x) => ({ ...x }));
  const target = out[at]!;
  if (m.kind === 'value') target.value += m.extra;
  else if (m.kind === 'key') target.key = m.extra + target.key;
  else if (m.kind === 'group') target.group += 1;
  else if (m.kind === 'drop') out.splice(at, 1);
  else {
    // move the key/value boundary: "ab=c" → "a=bc" (only when the key has a char to give)
    if (target.key.length < 2) return null;
    target.value = target.key.slice(-1) + target.value;
    target.key = target.key.slice(0, -1);
  }
  return out;
}

describe('itemsDigest', () => {
  it('is a function of the items alone', () => {
    fc.assert(fc.property(items, (list) => itemsDigest(list) === itemsDigest(list.map((x) => ({ ...x })))));
  });

  it('changes with any change of a key, a value, a group, the boundary between them, or the list', () => {
    fc.assert(
      fc.property(items, mutation, (list, m) => {
        const changed = mutate(list, m);
        fc.pre(changed !== null);
        return itemsDigest(changed!) !== itemsDigest(list);
      }),
      { numRuns: 3_000 },
    );
  });

  it('has no collision over 100,000 near-identical real-time uploads (values a last digit apart)', () => {
    const seen = new Set<string>();
    const codes = ['a21026', 'a21002', 'a34013', 'a19001', 'a01012', 'a01013', 'a01014', 'a00000'];
    for (let n = 0; n < 100_000; n++) {
      const list: DigestItem[] = [{ key: 'DataTime', value: '20250601120000', group: 0 }];
      codes.forEach((code, i) => {
        list.push({ key: `${code}-Rtd`, value: (10 + (Math.floor(n / 10 ** (i % 6)) % 10) / 100 + i).toFixed(2), group: i + 1 });
        list.push({ key: `${code}-Flag`, value: n % 7 === i ? 'M' : 'N', group: i + 1 });
      });
      seen.add(itemsDigest(list));
    }
    // the inputs are all different: n's six lowest decimal digits are spelled out in the values
    expect(seen.size).toBe(100_000);
  });
});
