import { QueryFailedError } from 'typeorm';
import { AppError, ConflictError, NotFoundError, ValidationFailedError } from '../common/errors.js';

/** The SQLSTATE of a Postgres error, if `err` is one. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; driverError?: { code?: unknown } };
  if (err instanceof QueryFailedError) return e.driverError?.code as string | undefined;
  return typeof e?.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}

/**
 * Maps Postgres errors a client can cause to domain errors. The message never repeats the
 * database's text: it can hold SQL, constraint values or another tenant's data.
 */
export function mapPostgresError(err: unknown): AppError | undefined {
  switch (sqlState(err)) {
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
