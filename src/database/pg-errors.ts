import { QueryFailedError } from 'typeorm';
import {
  AppError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationFailedError,
} from '../common/errors.js';

/** The driver's own error when TypeORM wrapped it in a QueryFailedError; otherwise `err` itself. */
export function driverErrorOf(err: unknown): unknown {
  return err instanceof QueryFailedError ? (err as { driverError?: unknown }).driverError : err;
}

/** The SQLSTATE of a Postgres error, if `err` is one (also when TypeORM wrapped it). */
export function sqlState(err: unknown): string | undefined {
  const code = (driverErrorOf(err) as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Maps Postgres errors a client can cause to domain errors. The message never repeats the
 * database's text: it can hold SQL, constraint values or another tenant's data.
 */
export function mapPostgresError(err: unknown): AppError | undefined {
  if (isUnavailable(err)) return new ServiceUnavailableError();
  switch (sqlState(err)) {
    case '57014': // query_canceled: statement_timeout (DB_STATEMENT_TIMEOUT_MS) or a cancel
      return new ServiceUnavailableError('The database did not answer in time; try again shortly.');
    case '23505': // unique_violation
      return new ConflictError('A record with these values already exists.');
    case '23503': // foreign_key_violation: the parent is missing or belongs to another tenant
      return new NotFoundError('A referenced record does not exist.');
    case '42501': // insufficient_privilege, including row-level security WITH CHECK failures
      return new NotFoundError('The resource does not exist.');
    case '23514': // check_violation
    case '23502': // not_null_violation
    case '22P02': // invalid_text_representation
    case '22001': // string_data_right_truncation
    case '22021': // character_not_in_repertoire: a NUL character in text
    case '22P05': // untranslatable_character: \u0000 in jsonb
      return new ValidationFailedError([], 'A value is not valid.');
    default:
      return undefined;
  }
}

/** Socket-level failures of the pg driver (no SQLSTATE): the server is down or unreachable. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** SQLSTATEs that mean "no database right now", not "your request is wrong". */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '25P03']);

/**
 * True when `err` says the database cannot be reached or stopped serving: connection refused or
 * cut, the server shutting down or starting, too many connections, the idle-in-transaction
 * timeout ending the session, or the pool's wait for a connection (DB_ACQUIRE_TIMEOUT_MS) running
 * out. Answered 503 service_unavailable with Retry-After, never 500.
 */
export function isUnavailable(err: unknown): boolean {
  // a socket error first: its code (EPIPE, ECONNRESET…) is no SQLSTATE, though sqlState() would
  // pass it on from a QueryFailedError, and EPIPE even looks like one
  const e = driverErrorOf(err) as
    | { code?: unknown; message?: unknown }
    | undefined;
  if (typeof e?.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const state = sqlState(err);
  if (state) return state.startsWith('08') || UNAVAILABLE_STATES.has(state);
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    message.startsWith('timeout exceeded when trying to connect') ||
    message.startsWith('Connection terminated') ||
    message === 'Client has encountered a connection error and is not queryable'
  );
}
