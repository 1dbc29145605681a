/**
 * Typed errors the application layer throws and the HTTP layer maps to status codes:
 * Unauthenticated → 401, AccessDenied → 403, NotFound → 404, InvalidTransition / Conflict → 409,
 * Validation → 400.
 */
export class LeadError extends Error {
  constructor(
    message: string,
    readonly code: 'unauthenticated' | 'access-denied' | 'not-found' | 'invalid-transition' | 'conflict' | 'validation',
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthenticatedError extends LeadError {
  constructor(message = 'missing or invalid bearer token') {
    super(message, 'unauthenticated');
  }
}

export class AccessDeniedError extends LeadError {
  constructor(
    readonly action: string,
    readonly reason: string,
    readonly resource?: string,
  ) {
    super(`access denied: ${action}${resource ? ` on ${resource}` : ''}: ${reason}`, 'access-denied');
  }
}

export class NotFoundError extends LeadError {
  constructor(
    readonly resourceKind: string,
    readonly id: string,
  ) {
    super(`${resourceKind} ${id} not found`, 'not-found');
  }
}

export class InvalidTransitionError extends LeadError {
  constructor(
    readonly leadId: string,
    readonly from: string,
    readonly to: string,
    readonly action: string,
    detail?: string,
  ) {
    super(`lead ${leadId}: cannot ${action} from ${from} to ${to}${detail ? `: ${detail}` : ''}`, 'invalid-transition');
  }
}

export class ConflictError extends LeadError {
  constructor(message: string) {
    super(message, 'conflict');
  }
}

export class ValidationError extends LeadError {
  constructor(
    message: string,
    readonly issues: string[] = [],
  ) {
    super(message, 'validation');
  }
}
