import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '@offsite/leads-core';
import type { Caller, LeadService } from '@offsite/leads';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How a route authenticates: bearer header (default under /api/v1), a stream ticket, or none. */
    auth?: 'bearer' | 'stream-ticket' | 'none';
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** The bearer token the caller presented (kept for stream re-checks, never logged). */
    bearerToken: string | null;
  }
}

/** Pull the caller out of a request the auth hook has passed. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new UnauthenticatedError('missing bearer token');
  return req.caller;
}

export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

export interface StreamTicket {
  ticket: string;
  expiresAt: number;
}

/**
 * Short-lived tickets for EventSource, which cannot send headers: POST with the bearer token
 * returns a ticket; the stream URL carries only the ticket, so the long-lived token never lands
 * in URLs, access logs or browser history. A ticket may be reused until it expires (EventSource
 * reconnects on its own with the same URL); the stream re-checks the token it stands for.
 */
export class StreamTickets {
  private readonly tickets = new Map<string, { token: string; expiresAt: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  issue(token: string): StreamTicket {
    this.sweep();
    const ticket = `st_${randomBytes(24).toString('base64url')}`;
    const expiresAt = this.clock() + this.ttlMs;
    this.tickets.set(ticket, { token, expiresAt });
    return { ticket, expiresAt };
  }

  /** The bearer token a live ticket stands for, or null. */
  redeem(ticket: string | undefined): string | null {
    if (!ticket) return null;
    const t = this.tickets.get(ticket);
    if (!t || t.expiresAt <= this.clock()) return null;
    return t.token;
  }

  get size(): number {
    return this.tickets.size;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [k, v] of this.tickets) if (v.expiresAt <= now) this.tickets.delete(k);
  }
}

/**
 * Resolves `request.caller` for every route under /api/v1: bearer header by default, the
 * `ticket` query parameter on routes marked `config.auth = 'stream-ticket'`. 401 otherwise.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { leadService: Pick<LeadService, 'authenticate'>; tickets: StreamTickets }) => {
    app.decorateRequest('caller', null);
    app.decorateRequest('bearerToken', null);
    app.addHook('onRequest', async (req) => {
      const mode = req.routeOptions.config.auth ?? (req.url.startsWith('/api/') ? 'bearer' : 'none');
      if (mode === 'none') return;
      let token: string | null;
      if (mode === 'stream-ticket') {
        const ticket = new URLSearchParams(req.url.split('?')[1] ?? '').get('ticket') ?? undefined;
        token = opts.tickets.redeem(ticket);
        if (!token) throw new UnauthenticatedError('missing, unknown or expired stream ticket (POST /api/v1/alerts/stream-tickets)');
      } else {
        token = bearerToken(req.headers.authorization);
        if (!token) throw new UnauthenticatedError('missing bearer token (Authorization: Bearer TOKEN)');
      }
      req.caller = await opts.leadService.authenticate(token);
      req.bearerToken = token;
    });
  },
  { name: 'console-auth' },
);
