import { Inject, Injectable } from '@nestjs/common';
import { Bulkhead } from '../../common/bulkhead.js';
import { RateLimitedError } from '../../common/errors.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../../common/rate-limit.store.js';
import { AppConfig } from '../../config/app-config.js';

/**
 * Rations logins per tenant (and one ration for the platform), before a login touches the
 * database or hashes anything:
 * - a rate: LOGIN_RATE_PER_TENANT attempts per minute, a token bucket holding two seconds' worth
 *   (a burst of 10 at the default 300), in the rate-limit store, so shared across instances with
 *   REDIS_URL;
 * - a concurrency: LOGIN_MAX_CONCURRENT_PER_TENANT at once on this instance; the rest wait
 *   LOGIN_QUEUE_WAIT_MS for their tenant's turn.
 * Past either, 429 rate_limited with Retry-After, given only after LOGIN_QUEUE_WAIT_MS in both
 * cases: a client that retries as soon as it is refused (a brute-force loop) is held to one
 * attempt per connection per wait, at the cost of a timer, instead of spinning the event loop on
 * refusals. So a login storm against one tenant answers 401 or 429, holds a bounded number of
 * connections and argon2 slots, and leaves the other tenants' CPU alone.
 */
@Injectable()
export class LoginGate {
  private readonly bulkhead: Bulkhead;
  private readonly perMinute: number;
  private readonly refusalDelayMs: number;

  constructor(
    config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
  ) {
    const { maxConcurrentPerTenant, queueWaitMs, ratePerMinute } = config.loginCapacity;
    this.perMinute = ratePerMinute;
    this.refusalDelayMs = queueWaitMs;
    this.bulkhead = new Bulkhead(
      maxConcurrentPerTenant,
      queueWaitMs,
      () => new RateLimitedError(1, 'Too many logins in progress for this tenant; try again shortly.'),
    );
  }

  async run<T>(tenantKey: string, fn: () => Promise<T>): Promise<T> {
    if (this.perMinute > 0) {
      // burst = 2 s of the rate: a storm cannot spend a minute's worth of hashes at once
      const burst = Math.max(1, Math.round(this.perMinute / 30));
      const decision = await this.store.hit(`login:${tenantKey}`, burst, (60_000 * burst) / this.perMinute);
      if (!decision.allowed) {
        await new Promise((r) => setTimeout(r, this.refusalDelayMs));
        throw new RateLimitedError(decision.retryAfterMs / 1000, 'Too many login attempts for this tenant; try again later.');
      }
    }
    return this.bulkhead.run(tenantKey, fn);
  }
}
