import { ErrorCode } from '../../common/error-codes.js';
import { AppError, ValidationFailedError } from '../../common/errors.js';

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(ErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was already used with a different request body.');
  }
}

export class InvalidIdempotencyKeyError extends ValidationFailedError {
  constructor() {
    super([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1–255 visible ASCII characters' }]);
  }
}
