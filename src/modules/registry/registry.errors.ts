import { ErrorCode } from '../../common/error-codes.js';
import { AppError, ConflictError, NotFoundError } from '../../common/errors.js';

export class TenantRecordNotFoundError extends NotFoundError {
  constructor() {
    super('No tenant with this id.');
  }
}

export class TenantStateConflictError extends ConflictError {}

export class IntegrationNotFoundError extends NotFoundError {
  constructor() {
    super('No integration with this name.');
  }
}

/** A stored credential that fails to decrypt: tampered, moved, or sealed under an unknown key. */
export class CredentialIntegrityError extends AppError {
  constructor() {
    super(ErrorCode.CredentialIntegrity, 'A stored credential could not be decrypted.');
  }
}
