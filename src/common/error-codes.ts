/**
 * Every `code` an error answer can carry. The one list: ERRORS maps each to its status and
 * meaning (a Record, so the compiler refuses a code without an entry), and the OpenAPI error
 * table is generated from it (openapi.ts).
 */
export enum ErrorCode {
  ValidationFailed = 'validation_failed',
  BadRequest = 'bad_request',
  TenantRequired = 'tenant_required',
  InvalidCredentials = 'invalid_credentials',
  InvalidCurrentPassword = 'invalid_current_password',
  InvalidResetToken = 'invalid_reset_token',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  TenantMismatch = 'tenant_mismatch',
  TenantSuspended = 'tenant_suspended',
  TenantNotFound = 'tenant_not_found',
  ResourceNotFound = 'resource_not_found',
  RouteNotFound = 'route_not_found',
  MethodNotAllowed = 'method_not_allowed',
  NotAcceptable = 'not_acceptable',
  RequestTimeout = 'request_timeout',
  Conflict = 'conflict',
  LastOwner = 'last_owner',
  PayloadTooLarge = 'payload_too_large',
  UriTooLong = 'uri_too_long',
  UnsupportedMediaType = 'unsupported_media_type',
  SharingWideningRefused = 'sharing_widening_refused',
  IdempotencyKeyReused = 'idempotency_key_reused',
  Unprocessable = 'unprocessable',
  RateLimited = 'rate_limited',
  HeadersTooLarge = 'headers_too_large',
  HttpError = 'http_error',
  InternalError = 'internal_error',
  CredentialIntegrity = 'credential_integrity',
  TenantBusy = 'tenant_busy',
  ServiceUnavailable = 'service_unavailable',
}

export const ERRORS: Readonly<Record<ErrorCode, { status: number; when: string }>> = {
  [ErrorCode.ValidationFailed]: { status: 400, when: 'body/query/path fails validation (unknown fields rejected, malformed UUID, bad JSON)' },
  [ErrorCode.BadRequest]: { status: 400, when: 'a request that is not valid HTTP (answered on the connection)' },
  [ErrorCode.TenantRequired]: { status: 400, when: 'a tenant route was called with no tenant (no token, header or subdomain)' },
  [ErrorCode.InvalidCredentials]: { status: 401, when: 'wrong email or password (same answer for an unknown email)' },
  [ErrorCode.InvalidCurrentPassword]: { status: 400, when: "a password change whose currentPassword is not the caller's password" },
  [ErrorCode.InvalidResetToken]: { status: 400, when: 'a password reset token that is unknown, already used or expired (same answer in every case)' },
  [ErrorCode.Unauthorized]: { status: 401, when: 'missing, malformed, expired, revoked or badly signed token' },
  [ErrorCode.Forbidden]: { status: 403, when: 'authenticated but the scope, role or permission is wrong' },
  [ErrorCode.TenantMismatch]: { status: 403, when: "the token's tenant differs from the tenant named by Host or X-Tenant-ID" },
  [ErrorCode.TenantSuspended]: { status: 403, when: 'the tenant is suspended' },
  [ErrorCode.TenantNotFound]: { status: 404, when: 'unknown, reserved or deleted tenant' },
  [ErrorCode.ResourceNotFound]: { status: 404, when: 'the row does not exist or is not visible to this tenant' },
  [ErrorCode.RouteNotFound]: { status: 404, when: 'no route matches the path' },
  [ErrorCode.MethodNotAllowed]: { status: 405, when: 'the path exists but not with this method' },
  [ErrorCode.NotAcceptable]: { status: 406, when: 'the Accept header excludes JSON' },
  [ErrorCode.RequestTimeout]: { status: 408, when: 'the request did not arrive in time (answered on the connection)' },
  [ErrorCode.Conflict]: { status: 409, when: 'uniqueness within the tenant (e.g. user email), subdomain taken, a state change that does not apply' },
  [ErrorCode.LastOwner]: { status: 409, when: 'the change would demote, disable or delete the last active platform owner' },
  [ErrorCode.PayloadTooLarge]: { status: 413, when: 'body over the limit (default 1 MiB)' },
  [ErrorCode.UriTooLong]: { status: 414, when: 'request URL over HTTP_MAX_URL_BYTES (default 8 KiB)' },
  [ErrorCode.UnsupportedMediaType]: { status: 415, when: 'a body that is not application/json' },
  [ErrorCode.SharingWideningRefused]: {
    status: 409,
    when: "a platform admin asked to widen a resource's sharing (to global, or a grantee it does not have); the platform may only take down or narrow",
  },
  [ErrorCode.IdempotencyKeyReused]: { status: 422, when: 'same Idempotency-Key with a different body' },
  [ErrorCode.Unprocessable]: { status: 422, when: 'a well-formed request the framework cannot process' },
  [ErrorCode.RateLimited]: { status: 429, when: 'tenant or login rate limit hit; Retry-After header set' },
  [ErrorCode.HeadersTooLarge]: { status: 431, when: 'request line and headers over HTTP_MAX_HEADER_BYTES (default 16 KiB)' },
  [ErrorCode.HttpError]: { status: 400, when: 'any other client error raised by the HTTP layer (the answer carries its own status)' },
  [ErrorCode.InternalError]: { status: 500, when: 'an unexpected error (logged with the request id; no detail in the answer)' },
  [ErrorCode.CredentialIntegrity]: { status: 500, when: 'a stored integration credential failed its integrity check' },
  [ErrorCode.TenantBusy]: { status: 503, when: "this tenant already holds its share of the instance's database connections (DB_TENANT_POOL_SHARE); Retry-After set" },
  [ErrorCode.ServiceUnavailable]: {
    status: 503,
    when: 'no database connection within DB_ACQUIRE_TIMEOUT_MS, Postgres down, a statement over DB_STATEMENT_TIMEOUT_MS, or the instance shutting down; Retry-After set',
  },
};

/** The code of an answer of `status` when nothing more specific is known (framework errors). */
const BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.RouteNotFound,
  405: ErrorCode.MethodNotAllowed,
  406: ErrorCode.NotAcceptable,
  408: ErrorCode.RequestTimeout,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  414: ErrorCode.UriTooLong,
  415: ErrorCode.UnsupportedMediaType,
  422: ErrorCode.Unprocessable,
  429: ErrorCode.RateLimited,
  431: ErrorCode.HeadersTooLarge,
  500: ErrorCode.InternalError,
  503: ErrorCode.ServiceUnavailable,
};

export function codeForStatus(status: number): ErrorCode {
  return BY_STATUS[status] ?? (status >= 500 ? ErrorCode.InternalError : ErrorCode.HttpError);
}

/** A code written as its string ('resource_not_found'), still checked against the enum. */
export type ErrorCodeName = `${ErrorCode}`;
