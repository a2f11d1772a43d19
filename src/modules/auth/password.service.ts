import { Injectable } from '@nestjs/common';
import argon2 from 'argon2';
import { Bulkhead } from '../../common/bulkhead.js';
import { ServiceUnavailableError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';

// OWASP's argon2id minimum: m = 19 MiB, t = 2, p = 1.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 } as const;

/** How long a hash waits for a turn before the request is answered 503. */
const HASH_WAIT_MS = 10_000;

/**
 * argon2id hashing and verification. Each costs ~19 MiB and tens of milliseconds of a core, so
 * the instance computes at most PASSWORD_HASH_CONCURRENCY at once (default: cores - 1): a burst
 * of logins queues here instead of taking every core from the other tenants' requests.
 */
@Injectable()
export class PasswordService {
  // Verified against when the email is unknown, so both cases cost the same time.
  private readonly dummy = argon2.hash('dummy-password-for-timing', OPTIONS);
  private readonly cpu: Bulkhead;

  constructor(config: AppConfig) {
    this.cpu = new Bulkhead(
      config.loginCapacity.hashConcurrency,
      HASH_WAIT_MS,
      () => new ServiceUnavailableError('The service is busy; try again shortly.'),
    );
  }

  hash(password: string): Promise<string> {
    return this.cpu.run('argon2', () => argon2.hash(password, OPTIONS));
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const against = hash ?? (await this.dummy);
    return this.cpu.run('argon2', async () => {
      try {
        return await argon2.verify(against, password);
      } catch {
        return false;
      }
    });
  }
}

// the policy lives in password-policy.ts; re-exported for the callers that hash and check together
export { checkPasswordPolicy } from './password-policy.js';
