export * from './caller.js';
export * from './queries.js';
export * from './service.js';
export * from './consumer.js';
export * from './webhooks.js';
export * from './admin.js';
export { createLeadsMetrics, type LeadsMetrics } from './metrics.js';
export {
  AccessDeniedError,
  ConflictError,
  InvalidTransitionError,
  LeadError,
  NotFoundError,
  UnauthenticatedError,
  ValidationError,
  LeadCommand,
} from '@offsite/leads-core';
