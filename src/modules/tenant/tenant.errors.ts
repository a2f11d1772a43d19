import { AppError, ConflictError } from '../../common/errors.js';

export class TenantRequiredError extends AppError {
  constructor() {
    super(400, 'tenant_required', 'This route needs a tenant: send an access token, an X-Tenant-ID header or a tenant subdomain.');
  }
}

export class TenantNotFoundError extends AppError {
  constructor() {
    super(404, 'tenant_not_found', 'The tenant does not exist.');
  }
}

export class TenantSuspendedError extends AppError {
  constructor() {
    super(403, 'tenant_suspended', 'The tenant is suspended.');
  }
}

export class TenantMismatchError extends AppError {
  constructor() {
    super(403, 'tenant_mismatch', 'The tenant named by the request differs from the tenant of the access token or of another header.');
  }
}

export class SubdomainTakenError extends ConflictError {
  constructor() {
    super('This subdomain is already taken.');
  }
}
