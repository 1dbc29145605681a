import { z } from 'zod';

/** Shared request/response pieces. Times are epoch ms; query instants also accept ISO 8601. */
export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string(), issues: z.array(z.string()).optional() }) });

export const errorResponses = {
  400: ErrorBody.describe('invalid input'),
  401: ErrorBody.describe('missing or invalid bearer token'),
  403: ErrorBody.describe('outside the caller role or region'),
  404: ErrorBody.describe('not found'),
} as const;

/** `from`/`to`: epoch milliseconds (digits) or an ISO 8601 instant; defined once with the lead lists. */
export { Instant } from '@offsite/leads';

export const Limit = z.coerce.number().int().min(1).max(1000);
export const Cursor = z.string().min(1).max(500);

export const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next: z.string().nullable() });

/** Opaque offset cursors for lists served from memory (sites, alerts). */
export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeOffset(cursor: string | undefined, what: string): number {
  if (!cursor) return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const o = z.object({ o: z.number().int().min(0) }).parse(parsed).o;
    return o;
  } catch {
    throw new CursorError(`cursor: not a ${what} cursor from this API`);
  }
}

export class CursorError extends RangeError {}

/**
 * Response schemas are documentation (OpenAPI) and test contracts, not runtime serialisers, so the
 * handlers' return types are not tied to their zod output types.
 */
export function documented<T extends Record<number, z.ZodType>>(map: T): { [K in keyof T]: z.ZodType<unknown> } {
  return map as { [K in keyof T]: z.ZodType<unknown> };
}
