import { ErrorCode } from '../../common/error-codes.js';
import { AppError, ForbiddenError, NotFoundError, ValidationFailedError, type FieldError } from '../../common/errors.js';

export class ResourceNotFoundError extends NotFoundError {
  constructor() {
    super('The resource does not exist.');
  }
}

/** Visible (shared with this tenant) but owned by another: readers never write. */
export class NotResourceOwnerError extends ForbiddenError {
  constructor() {
    super('Only the tenant that owns this resource may change it.');
  }
}

export class GlobalPublishForbiddenError extends ForbiddenError {
  constructor() {
    super('Only a platform tenant may share a resource globally.');
  }
}

/** A `sharing` other than private at creation, by a role without resources:share. */
export class SharePermissionRequiredError extends ForbiddenError {
  constructor() {
    super('This needs the permission resources:share.');
  }
}

export class InvalidSharingError extends ValidationFailedError {
  constructor(errors: FieldError[]) {
    super(errors, 'The sharing settings are not valid.');
  }
}

/** The platform takes shared resources down or narrows them; widening is the owner's decision. */
export class SharingWideningRefusedError extends AppError {
  constructor() {
    super(ErrorCode.SharingWideningRefused, 'The platform may only take a shared resource down or narrow its sharing, never widen it.');
  }
}

/** A platform route named a tenant that does not exist. */
export class UnknownTenantError extends NotFoundError {
  constructor() {
    super('The tenant does not exist.');
  }
}
