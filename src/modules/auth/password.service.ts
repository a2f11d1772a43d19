import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { ValidationFailedError } from '../../common/errors.js';

// OWASP's argon2id minimum: m = 19 MiB, t = 2, p = 1.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordService {
  // Verified against when the email is unknown, so both cases cost the same time.
  private readonly dummy = argon2.hash('dummy-password-for-timing', OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash ?? (await this.dummy), password);
    } catch {
      return false;
    }
  }
}

/** Password policy (answered as 400 validation_failed): at least 12 characters and not the email address. */
export function checkPasswordPolicy(email: string, password: string): void {
  const errors = [];
  if (password.length < 12) errors.push({ field: 'password', message: 'password must be at least 12 characters' });
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    errors.push({ field: 'password', message: 'password must not be the email address' });
  }
  if (errors.length) throw new ValidationFailedError(errors, 'The password does not meet the policy.');
}
