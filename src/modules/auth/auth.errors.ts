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
