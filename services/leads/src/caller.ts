import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RegionCode, Role } from '@offsite/domain';
import { sha256Hex } from '@offsite/leads-core';

/** Who is calling: resolved from the bearer token by LeadService.authenticate. */
export const Caller = z.object({ userId: z.string().min(1), role: Role, regionScope: RegionCode });
export type Caller = z.infer<typeof Caller>;

/** The consumer and other internal writers. */
export const SYSTEM_CALLER: Caller = { userId: 'system:leads', role: 'admin', regionScope: '000000' };

/** Bearer tokens: 32 random bytes, base64url, with a prefix that makes leaked ones greppable. */
export function generateToken(): string {
  return `ofs_${randomBytes(32).toString('base64url')}`;
}

/** Only this hash is stored. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}
