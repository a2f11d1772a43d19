import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { ValidationFailedError } from '../../common/errors.js';

/**
 * The password policy, the one definition for every password that is set (user creation,
 * password change, reset): 12 to 1024 characters, and not the account's email address.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

/** A DTO field holding a new password: the policy's length (the email rule needs the account: checkPasswordPolicy). */
export const NewPasswordField = (description = `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters, not equal to the email`) =>
  applyDecorators(
    ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, description, format: 'password' }),
    IsString(),
    MinLength(PASSWORD_MIN_LENGTH),
    MaxLength(PASSWORD_MAX_LENGTH),
  );

/** Password policy (answered as 400 validation_failed): at least 12 characters and not the email address. */
export function checkPasswordPolicy(email: string, password: string, field = 'password'): void {
  const errors = [];
  if (password.length < PASSWORD_MIN_LENGTH) errors.push({ field, message: `${field} must be at least ${PASSWORD_MIN_LENGTH} characters` });
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    errors.push({ field, message: `${field} must not be the email address` });
  }
  if (errors.length) throw new ValidationFailedError(errors, 'The password does not meet the policy.');
}
