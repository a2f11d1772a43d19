import { AppError } from '../../common/errors.js';

export class InvalidCredentialsError extends AppError {
  constructor() {
    super(401, 'invalid_credentials', 'The email or password is wrong.');
  }
}

export class InvalidRefreshTokenError extends AppError {
  constructor() {
    super(401, 'unauthorized', 'The refresh token is not valid.');
  }
}
