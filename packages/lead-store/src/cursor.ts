import { z } from 'zod';
import { ValidationError } from '@offsite/leads-core';

/** Keyset cursor: the sort key and id of the last row served, base64url JSON (opaque to clients). */
const CursorShape = z.object({ s: z.string(), v: z.number(), id: z.string() });
export type Cursor = z.infer<typeof CursorShape>;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(text: string | null, sort: string): Cursor | null {
  if (text === null || text === '') return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError('cursor: not a cursor returned by this API');
  }
  const c = CursorShape.safeParse(parsed);
  if (!c.success) throw new ValidationError('cursor: not a cursor returned by this API');
  if (c.data.s !== sort) throw new ValidationError(`cursor: made for sort "${c.data.s}", not "${sort}"`);
  return c.data;
}

export const MAX_LIMIT = 1000;

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new ValidationError(`limit: must be an integer 1..${MAX_LIMIT}, got ${limit}`);
  return limit;
}

/** Parameter list builder: push a value, get its $n placeholder. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}
