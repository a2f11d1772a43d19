import { AppError, ValidationFailedError } from '../../common/errors.js';

export class IdempotencyKeyReusedError extends AppError {
  constructor() {
    super(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
  }
}

export class InvalidIdempotencyKeyError extends ValidationFailedError {
  constructor() {
    super([{ field: 'Idempotency-Key', message: 'Idempotency-Key must be 1–255 visible ASCII characters' }]);
  }
}
