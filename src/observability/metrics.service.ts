import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { DatabaseSessions } from '../database/database-sessions.js';
import { runtimePool } from '../database/runtime-pool.js';
import { TenantResolver } from '../modules/tenant/tenant-resolver.service.js';

export type LoginResult = 'success' | 'failure' | 'rate_limited';
export type ProvisioningResult = 'success' | 'failure';

/**
 * Prometheus metrics of one app instance, in its own registry (not prom-client's global one), so
 * several apps in one process never clash. No label ever carries a tenant id: 10,000 tenants
 * would be 10,000 series per metric. Tier is the finest tenant label.
 *
 * Other modules inject this service and call the methods below (`login`, `provisioned`).
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status' | 'tier'>;
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly logins: Counter<'scope' | 'result'>;
  private readonly provisioning: Counter<'result'>;
  private readonly rateLimitedCounter: Counter<'tier'>;
  private readonly sharedStoreFallbacks: Counter<'use'>;
  private sharedStoreGauge?: Gauge;

  constructor(sessions: DatabaseSessions, resolver: TenantResolver) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route template, status and tenant tier',
      labelNames: ['method', 'route', 'status', 'tier'],
      registers,
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.logins = new Counter({
      name: 'login_total',
      help: 'Login attempts by scope (tenant or platform) and result',
      labelNames: ['scope', 'result'],
      registers,
    });
    this.provisioning = new Counter({
      name: 'provisioning_total',
      help: 'Tenant provisioning runs by result',
      labelNames: ['result'],
      registers,
    });
    this.rateLimitedCounter = new Counter({
      name: 'rate_limited_total',
      help: 'Requests refused by the per-tenant rate limit, by tier',
      labelNames: ['tier'],
      registers,
    });

    this.sharedStoreFallbacks = new Counter({
      name: 'shared_store_fallbacks_total',
      help: 'Rate-limit or login-throttle decisions taken from instance-local counts because Redis (REDIS_URL) failed or timed out',
      labelNames: ['use'],
      registers,
    });

    new Counter({
      name: 'tenant_cache_hits_total',
      help: 'Tenant resolution cache hits',
      registers,
      collect() {
        this.reset();
        this.inc(resolver.cacheStats().hits);
      },
    });
    new Counter({
      name: 'tenant_cache_misses_total',
      help: 'Tenant resolution cache misses (each one a database lookup)',
      registers,
      collect() {
        this.reset();
        this.inc(resolver.cacheStats().misses);
      },
    });
    new Gauge({
      name: 'tenant_cache_entries',
      help: 'Entries in the tenant resolution cache',
      registers,
      collect() {
        this.set(resolver.cacheStats().size);
      },
    });

    const pools: Array<[string, DataSource]> = [
      ['tenant', sessions.tenantDataSource],
      ['platform', sessions.platformDataSource],
    ];
    const poolGauge = (name: string, help: string, read: (p: pg.Pool) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['pool'],
        registers,
        collect() {
          for (const [label, ds] of pools) {
            this.set({ pool: label }, read(runtimePool(ds)));
          }
        },
      });
    poolGauge('db_pool_in_use', 'Connections checked out of the pool', (p) => p.totalCount - p.idleCount);
    poolGauge('db_pool_idle', 'Idle connections in the pool', (p) => p.idleCount);
    poolGauge('db_pool_waiting', 'Requests waiting for a pooled connection', (p) => p.waitingCount);
  }

  /** Counts a login attempt (auth module). */
  login(scope: 'tenant' | 'platform', result: LoginResult): void {
    this.logins.inc({ scope, result });
  }

  /** Counts a provisioning run (provisioning module). */
  provisioned(result: ProvisioningResult): void {
    this.provisioning.inc({ result });
  }

  /** Counts a request refused by the per-tenant rate limit. */
  rateLimited(tier: string): void {
    this.rateLimitedCounter.inc({ tier });
  }

  /** Counts a decision a shared limit store took locally because Redis failed. */
  sharedStoreFallback(use: 'rate_limit' | 'login_throttle'): void {
    this.sharedStoreFallbacks.inc({ use });
  }

  /** Whether the Redis connection of the shared limit stores is up (the gauge exists only with REDIS_URL). */
  sharedStoreUp(up: boolean): void {
    this.sharedStoreGauge ??= new Gauge({
      name: 'shared_store_up',
      help: 'Whether the Redis connection of the shared limit stores is ready (1) or down (0)',
      registers: [this.registry],
    });
    this.sharedStoreGauge.set(up ? 1 : 0);
  }

  /** Records one finished HTTP request (the onResponse hook calls this). */
  observeRequest(r: { method: string; route: string; status: number; tier?: string; seconds: number }): void {
    const status = String(r.status);
    this.requests.inc({ method: r.method, route: r.route, status, tier: r.tier ?? 'none' });
    this.duration.observe({ method: r.method, route: r.route, status }, r.seconds);
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
