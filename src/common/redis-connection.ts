import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../observability/metrics.service.js';

/** What a shared-store failure fell back on: the rate limit or the login-failure counts. */
export type SharedStoreUse = 'rate_limit' | 'login_throttle';

/** How long the boot waits for the first connection before it goes on with local counts. */
const BOOT_WAIT_MS = 2_000;
/** At most one warning per use in this interval; the metric counts every fallback. */
const WARN_INTERVAL_MS = 10_000;
/** After a failed command, decisions stay local this long before Redis is tried again. */
const BACK_OFF_MS = 1_000;

/**
 * The instance's one Redis connection (REDIS_URL) for the shared limit stores. It never queues
 * commands while disconnected and bounds every command by REDIS_TIMEOUT_MS; after a failure the
 * stores leave Redis alone for BACK_OFF_MS, so a hung Redis costs one request that timeout and the
 * next ones nothing. Meanwhile they decide from instance-local counts and report it here (a
 * throttled warning and `shared_store_fallbacks_total`).
 */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: Redis;
  private readonly logger = new Logger('SharedStore');
  private readonly lastWarned = new Map<string, { at: number; suppressed: number }>();
  private down = false;
  private backOffUntil = 0;

  constructor(
    config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const { url, timeoutMs } = config.redis!;
    this.client = new Redis(url, {
      connectionName: 'tenancy-service',
      commandTimeout: timeoutMs,
      connectTimeout: 2_000,
      // fail at once while disconnected instead of queueing behind a dead connection
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), 2_000),
      // on shutdown, a dead connection's socket is destroyed after this long (default 2 s)
      disconnectTimeout: 200,
    });
    this.metrics.sharedStoreUp(false);
    this.client.on('ready', () => {
      this.metrics.sharedStoreUp(true);
      if (this.down) this.logger.log('Redis answers again: limits are shared across instances');
      this.down = false;
    });
    this.client.on('close', () => {
      this.metrics.sharedStoreUp(false);
      this.down = true;
    });
    // ioredis reports each failed (re)connect here; without a listener it prints to stderr
    this.client.on('error', (err: Error) => this.warn('connection', `Redis connection: ${err.message}`));
  }

  async onModuleInit(): Promise<void> {
    if (this.client.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), BOOT_WAIT_MS);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!ready) {
      this.logger.warn(`Redis (REDIS_URL) not reachable after ${BOOT_WAIT_MS} ms: starting with instance-local limits until it answers`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  /** Whether the stores should ask Redis now (false for a moment after a failure). */
  get usable(): boolean {
    return Date.now() >= this.backOffUntil;
  }

  /**
   * A store decided from its local counts: Redis failed (`err`), or was not asked because it
   * failed a moment ago (no `err`).
   */
  fellBack(use: SharedStoreUse, err?: unknown): void {
    this.metrics.sharedStoreFallback(use);
    if (err === undefined) return;
    this.backOffUntil = Date.now() + BACK_OFF_MS;
    const what = use === 'rate_limit' ? 'rate limits' : 'login-failure counts';
    this.warn(use, `Redis failed (${err instanceof Error ? err.message : String(err)}): ${what} counted per instance`);
  }

  private warn(topic: string, message: string): void {
    const now = Date.now();
    const last = this.lastWarned.get(topic);
    if (last && now - last.at < WARN_INTERVAL_MS) {
      last.suppressed += 1;
      return;
    }
    const suppressed = last?.suppressed ? ` (${last.suppressed} more since the last warning)` : '';
    this.lastWarned.set(topic, { at: now, suppressed: 0 });
    this.logger.warn(message + suppressed);
  }
}
