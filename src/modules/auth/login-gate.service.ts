import { Injectable } from '@nestjs/common';
import { Bulkhead } from '../../common/bulkhead.js';
import { RateLimitedError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';

/**
 * Logins in progress, per tenant (and one compartment for the platform): at most
 * LOGIN_MAX_CONCURRENT_PER_TENANT at once on this instance, the rest wait LOGIN_QUEUE_WAIT_MS
 * for their tenant's turn, then get 429. Taken before the login touches the database, so a burst
 * of logins against one tenant holds a bounded number of connections and argon2 slots, answers
 * 401 or 429, and leaves the other tenants alone.
 */
@Injectable()
export class LoginGate {
  private readonly bulkhead: Bulkhead;

  constructor(config: AppConfig) {
    const { maxConcurrentPerTenant, queueWaitMs } = config.loginCapacity;
    this.bulkhead = new Bulkhead(
      maxConcurrentPerTenant,
      queueWaitMs,
      () => new RateLimitedError(1, 'Too many logins in progress for this tenant; try again shortly.'),
    );
  }

  run<T>(tenantKey: string, fn: () => Promise<T>): Promise<T> {
    return this.bulkhead.run(tenantKey, fn);
  }
}
