import { ErrorCode } from '../../common/error-codes.js';
import { AppError } from '../../common/errors.js';

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(ErrorCode.InvalidCredentials, 'The email or password is wrong.');
  }
}

export class InvalidRefreshTokenError extends AppError {
  constructor() {
    super(ErrorCode.Unauthorized, 'The refresh token is not valid.');
  }
}

/** 400: the current password given with a password change is wrong. */
export class InvalidCurrentPasswordError extends AppError {
  constructor() {
    super(ErrorCode.InvalidCurrentPassword, 'The current password is wrong.');
  }
}

/** 400: a reset token that is unknown, used or expired; one answer for all, so none is told apart. */
export class InvalidResetTokenError extends AppError {
  constructor() {
    super(ErrorCode.InvalidResetToken, 'The reset token is not valid: it is unknown, already used or expired.');
  }
}

/** 409: the change would leave the platform without an active owner. */
export class LastOwnerError extends AppError {
  constructor(what: string) {
    super(ErrorCode.LastOwner, `The last active owner cannot be ${what}; make another admin an owner first.`);
  }
}
