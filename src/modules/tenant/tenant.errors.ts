import { ErrorCode } from '../../common/error-codes.js';
import { AppError, ConflictError } from '../../common/errors.js';

export class TenantRequiredError extends AppError {
  constructor() {
    super(ErrorCode.TenantRequired, 'This route needs a tenant: send an access token, an X-Tenant-ID header or a tenant subdomain.');
  }
}

export class TenantNotFoundError extends AppError {
  constructor() {
    super(ErrorCode.TenantNotFound, 'The tenant does not exist.');
  }
}

export class TenantSuspendedError extends AppError {
  constructor() {
    super(ErrorCode.TenantSuspended, 'The tenant is suspended.');
  }
}

export class TenantMismatchError extends AppError {
  constructor() {
    super(ErrorCode.TenantMismatch, 'The tenant named by the request differs from the tenant of the access token or of another header.');
  }
}

export class SubdomainTakenError extends ConflictError {
  constructor() {
    super('This subdomain is already taken.');
  }
}
