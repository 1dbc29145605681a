import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { LeadError } from '@offsite/leads-core';

/** Every error body: `{"error":{"code","message"}}` (validation adds `issues`). */
export type ErrorCode =
  | 'unauthenticated'
  | 'access-denied'
  | 'not-found'
  | 'invalid-transition'
  | 'conflict'
  | 'validation'
  | 'internal';

const statusOf: Record<LeadError['code'], number> = {
  unauthenticated: 401,
  'access-denied': 403,
  'not-found': 404,
  'invalid-transition': 409,
  conflict: 409,
  validation: 400,
};

export function errorBody(code: ErrorCode, message: string, issues?: string[]): { error: { code: ErrorCode; message: string; issues?: string[] } } {
  return { error: { code, message, ...(issues && issues.length ? { issues } : {}) } };
}

/**
 * Maps the LeadService's typed errors, zod request validation, and fastify's own errors to the
 * one error body. Unknown errors are logged and answered 500 without internals.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof LeadError) {
      const issues = 'issues' in err && Array.isArray(err.issues) ? (err.issues as string[]) : undefined;
      return reply.code(statusOf[err.code]).send(errorBody(err.code, err.message, issues));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const issues = err.validation.map((v) => `${where}${v.instancePath.replace(/\//g, '.') || ''}: ${v.message ?? 'invalid'}`);
      return reply.code(400).send(errorBody('validation', `invalid ${where}: ${issues.join('; ')}`, issues));
    }
    if (err instanceof RangeError) {
      // Store-level argument checks (time windows, hourly span) are the caller's input.
      return reply.code(400).send(errorBody('validation', err.message));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err, url: req.url.split('?')[0] }, 'request failed');
      return reply.code(status).send(errorBody('internal', 'internal error'));
    }
    return reply.code(status).send(errorBody(status === 404 ? 'not-found' : 'validation', err.message));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('not-found', `no route ${req.method} ${req.url.split('?')[0]}`)));
}
