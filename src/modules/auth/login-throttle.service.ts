import { Injectable } from '@nestjs/common';
import { RateLimitedError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';

interface Window {
  failures: number;
  resetAt: number;
}

/**
 * Counts failed logins per account (tenant + email, or platform + email) and per client address
 * in fixed windows. Once either count reaches its limit, logins from that key answer 429 with
 * Retry-After until the window ends, whether the password is right or not. A successful login
 * clears the account's count. In process memory: each instance counts on its own.
 */
@Injectable()
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  /** the clock; replaced in unit specs */
  now: () => number = Date.now;

  constructor(private readonly config: AppConfig) {}

  /** Throws 429 rate_limited when the account or the address is locked out. */
  check(account: string, ip: string | undefined): void {
    const { maxFailuresPerAccount, maxFailuresPerIp } = this.config.loginLimits;
    const waits = [
      this.blockedFor(`a:${account}`, maxFailuresPerAccount),
      ip ? this.blockedFor(`i:${ip}`, maxFailuresPerIp) : 0,
    ];
    const wait = Math.max(...waits);
    if (wait > 0) throw new RateLimitedError(wait / 1000, 'Too many failed logins; try again later.');
  }

  failed(account: string, ip: string | undefined): void {
    this.bump(`a:${account}`);
    if (ip) this.bump(`i:${ip}`);
  }

  succeeded(account: string): void {
    this.windows.delete(`a:${account}`);
  }

  private blockedFor(key: string, max: number): number {
    if (max <= 0) return 0;
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
