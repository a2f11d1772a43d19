import { Injectable, Optional } from '@nestjs/common';
import { RateLimitedError } from '../../common/errors.js';
import { RedisConnection } from '../../common/redis-connection.js';
import { AppConfig } from '../../config/app-config.js';
import { RedisLoginCounts } from './redis-login-counts.js';

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Counts failed logins per account (tenant + email, or platform + email) and per client address
 * in fixed windows. Once either count reaches its limit, logins from that key answer 429 with
 * Retry-After until the window ends, whether the password is right or not. A successful login
 * clears the account's count.
 *
 * An attempt counts against its account as soon as `check` lets it through (and a success takes
 * it back): checking and counting are one step, so a burst of parallel guesses, on one instance
 * or several, gets exactly the limit through, not as many as are in flight. The address counts
 * failures only, so an office behind one address can still log in.
 *
 * With REDIS_URL the counts are shared by every instance (RedisLoginCounts). Each instance also
 * keeps its own counts in memory, and decides from them alone without Redis, or whenever Redis
 * fails: a Redis outage then gives an attacker at most one budget per instance, never an
 * unlimited one, and the lock-outs this instance saw stay in force; logins keep working.
 */
@Injectable()
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly shared?: RedisLoginCounts;

  /** the clock; replaced in unit specs */
  now: () => number = Date.now;

  constructor(
    private readonly config: AppConfig,
    @Optional() private readonly redis?: RedisConnection,
  ) {
    this.shared = redis ? new RedisLoginCounts(redis.client) : undefined;
  }

  /**
   * Throws 429 rate_limited when the account or the address is locked out; otherwise counts this
   * attempt against the account until `succeeded` takes it back.
   */
  async check(account: string, ip: string | undefined): Promise<void> {
    const limits = this.limits(account, ip);
    if (limits.length === 0) return;
    const windowMs = this.config.loginLimits.windowSeconds * 1000;
    const attempt = limits.map((l) => ({ ...l, countNow: l.key === `a:${account}` }));
    let wait = await this.viaRedis((shared) => shared.attempt(attempt, windowMs));
    wait ??= Math.max(...limits.map((l) => this.blockedFor(l.key, l.max)));
    if (wait > 0) throw new RateLimitedError(wait / 1000, 'Too many failed logins; try again later.');
    for (const l of attempt) if (l.countNow) this.bump(l.key);
  }

  /** The attempt `check` let through failed: it stays counted, and the address is counted too. */
  async failed(account: string, ip: string | undefined): Promise<void> {
    if (!ip) return;
    this.bump(`i:${ip}`);
    if (this.config.loginLimits.maxFailuresPerIp <= 0) return;
    await this.viaRedis((shared) => shared.failed([`i:${ip}`], this.config.loginLimits.windowSeconds * 1000));
  }

  async succeeded(account: string): Promise<void> {
    this.windows.delete(`a:${account}`);
    if (this.config.loginLimits.maxFailuresPerAccount <= 0) return;
    await this.viaRedis((shared) => shared.clear(`a:${account}`));
  }

  /** `op` on the shared counts; undefined without Redis, while it backs off after a failure, or on failure. */
  private async viaRedis<T>(op: (shared: RedisLoginCounts) => Promise<T>): Promise<T | undefined> {
    if (!this.shared) return undefined;
    if (!this.redis!.usable) {
      this.redis!.fellBack('login_throttle');
      return undefined;
    }
    try {
      return await op(this.shared);
    } catch (err) {
      this.redis!.fellBack('login_throttle', err);
      return undefined;
    }
  }

  /** the counters that apply (a limit of 0 is off) */
  private limits(account: string, ip: string | undefined): Array<{ key: string; max: number }> {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.loginLimits;
    const limits = [{ key: `a:${account}`, max: maxFailuresPerAccount }];
    if (ip) limits.push({ key: `i:${ip}`, max: maxFailuresPerIp });
    return limits.filter((l) => l.max > 0);
  }

  private blockedFor(key: string, max: number): number {
    const w = this.windows.get(key);
    const now = this.now();
    if (!w || w.resetAt <= now) return 0;
    return w.failures >= max ? w.resetAt - now : 0;
  }

  private bump(key: string): void {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (this.windows.size >= 100_000) this.sweep(now);
      w = { failures: 0, resetAt: now + this.config.loginLimits.windowSeconds * 1000 };
      this.windows.set(key, w);
    }
    w.failures += 1;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
    if (this.windows.size >= 100_000) this.windows.delete(this.windows.keys().next().value as string);
  }
}
