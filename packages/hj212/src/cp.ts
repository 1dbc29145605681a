import { Hj212Error, type Hj212Warning } from './errors.js';

/** One `key=value` of the CP, in packet order. `group` counts `;`-separated groups (items in one group were joined by `,`). */
export interface CpItem {
  key: string;
  value: string;
  group: number;
}

const SEMI = 0x3b;
const COMMA = 0x2c;
const EQ = 0x3d;

/** Splits a CP body (the text between `CP=&&` and the closing `&&`) into items, losslessly. */
export function parseCpBody(body: string, warnings: Hj212Warning[]): CpItem[] {
  const items: CpItem[] = [];
  const n = body.length;
  if (n === 0) return items;
  let group = 0;
  let start = 0;
  let eq = -1;
  let emptyItems = 0;
  for (let i = 0; i <= n; i++) {
    const c = i === n ? SEMI : body.charCodeAt(i);
    if (c === EQ) {
      if (eq < 0) eq = i;
      continue;
    }
    if (c !== SEMI && c !== COMMA) continue;
    if (i === start) {
      emptyItems++;
    } else {
      if (eq < 0) throw new Hj212Error('BAD_CP', `CP item "${clip(body.slice(start, i))}" has no "="`, body.slice(start, i));
      if (eq === start) throw new Hj212Error('BAD_CP', `CP item "${clip(body.slice(start, i))}" has an empty key`, body.slice(start, i));
      items.push({ key: body.slice(start, eq), value: body.slice(eq + 1, i), group });
    }
    if (c === SEMI) group++;
    start = i + 1;
    eq = -1;
  }
  if (emptyItems > 0) warnings.push({ code: 'EMPTY_ITEM', message: `${emptyItems} empty CP item(s) (stray ";" or ",") ignored` });
  return items;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

/** Plain object view of the items; the first occurrence of a repeated key wins (repeats are warned about). */
export function cpRecord(items: readonly CpItem[], warnings: Hj212Warning[]): Record<string, string> {
  const record: Record<string, string> = {};
  let duplicates: string[] | null = null;
  for (const item of items) {
    if (Object.hasOwn(record, item.key)) (duplicates ??= []).push(item.key);
    else record[item.key] = item.value;
  }
  if (duplicates) warnings.push({ code: 'DUPLICATE_KEY', message: `repeated CP key(s): ${duplicates.slice(0, 5).join(', ')}; the first value is kept in cp` });
  return record;
}
