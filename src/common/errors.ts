import { ErrorCode, ERRORS } from './error-codes.js';

/** A field-level validation problem, listed in a 400's `errors`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base of every domain error: a stable snake_case `code` and an HTTP status. The global
 * problem filter turns it into RFC 9457 problem details. `detail` must never carry another
 * tenant's data or a secret.
 */
export class AppError extends Error {
  /** from the code (error-codes.ts): one status per code */
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly fieldErrors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
    this.name = new.target.name;
    this.status = ERRORS[code].status;
  }
}

export class ValidationFailedError extends AppError {
  constructor(errors: FieldError[], detail = 'The request is not valid.') {
    super(ErrorCode.ValidationFailed, detail, errors);
  }
}

/** The request URL (path and query) is over HTTP_MAX_URL_BYTES. */
export class UriTooLongError extends AppError {
  constructor(detail = 'The request URL is longer than the limit.') {
    super(ErrorCode.UriTooLong, detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'The resource does not exist.') {
    super(ErrorCode.ResourceNotFound, detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail = 'The request conflicts with existing data.') {
    super(ErrorCode.Conflict, detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You do not have permission to do this.') {
    super(ErrorCode.Forbidden, detail);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'A valid access token is required.') {
    super(ErrorCode.Unauthorized, detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, detail = 'Too many requests; try again later.') {
    super(ErrorCode.RateLimited, detail, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

/** 503 tenant_busy: this tenant already holds its share of the instance's database connections. */
export class TenantBusyError extends AppError {
  constructor(retryAfterSeconds = 1) {
    super(ErrorCode.TenantBusy, 'This tenant already has as many requests in progress as it may; try again shortly.', undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

/**
 * 503 service_unavailable: no database connection within the wait bound, or Postgres is down.
 * `cause`, when given, is what went wrong underneath; the problem filter logs it.
 */
export class ServiceUnavailableError extends AppError {
  constructor(detail = 'The database is not available right now; try again shortly.', retryAfterSeconds = 2, cause?: unknown) {
    super(ErrorCode.ServiceUnavailable, detail, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
    if (cause !== undefined) this.cause = cause;
  }
}
