import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RateLimitedError } from '../../common/errors.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../../common/rate-limit.store.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../observability/metrics.service.js';
import type { ResolvedTenant } from './tenant-cache.js';

/**
 * Per-tenant request budget by tier (RATE_LIMIT_FREE / _PROFESSIONAL / _ENTERPRISE per
 * RATE_LIMIT_WINDOW_MS). Applied by the request pipeline right after resolution and
 * before any database work, so a noisy tenant is refused without costing a connection.
 */
@Injectable()
export class TenantRateLimiter {
  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Takes one request from the tenant's budget; throws 429 rate_limited when it is spent. */
  async admit(tenant: ResolvedTenant, reply: FastifyReply): Promise<void> {
    const limit = this.config.rateLimit.perTier[tenant.tier] ?? this.config.rateLimit.perTier.free;
    if (!limit) return; // 0: no limit for this tier
    const decision = await this.store.hit(`tenant:${tenant.id}`, limit, this.config.rateLimit.windowMs);
    void reply.header('RateLimit-Limit', String(limit));
    void reply.header('RateLimit-Remaining', String(decision.remaining));
    if (!decision.allowed) {
      this.metrics.rateLimited(tenant.tier);
      throw new RateLimitedError(decision.retryAfterMs / 1000, 'This tenant has used its request budget; try again later.');
    }
  }
}
