/** The answer of a rate-limit store to one hit. */
export interface RateLimitDecision {
  allowed: boolean;
  /** whole requests left right now */
  remaining: number;
  /** when refused: how long until one request would be allowed */
  retryAfterMs: number;
}

/**
 * Where request budgets live. The default keeps them in process memory (one budget per instance);
 * a shared implementation (Redis, Postgres) makes the budget cluster-wide. Provide one through
 * `createApp({ rateLimitStore })`.
 */
export interface RateLimitStore {
  /** Takes one request from `key`'s budget of `limit` requests per `windowMs`. */
  hit(key: string, limit: number, windowMs: number): RateLimitDecision | Promise<RateLimitDecision>;
}

export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

interface Bucket {
  tokens: number;
  updatedAt: number;
  limit: number;
  windowMs: number;
}

/**
 * Token bucket per key in memory: `limit` tokens, refilled continuously at `limit / windowMs`, so
 * a tenant may burst up to its limit and then gets a steady rate, with no window-edge doubling.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 100_000,
  ) {}

  hit(key: string, limit: number, windowMs: number): RateLimitDecision {
    const now = this.now();
    const rate = limit / windowMs; // tokens per ms
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = { tokens: limit, updatedAt: now, limit, windowMs };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(limit, bucket.tokens + (now - bucket.updatedAt) * rate);
      bucket.updatedAt = now;
      bucket.limit = limit;
      bucket.windowMs = windowMs;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterMs: 0 };
    }
    return { allowed: false, remaining: 0, retryAfterMs: Math.ceil((1 - bucket.tokens) / rate) };
  }

  get size(): number {
    return this.buckets.size;
  }

  // Forget buckets that have refilled (idle keys); a full bucket is the same as no bucket.
  private sweep(now: number) {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.updatedAt) * b.limit) / b.windowMs >= b.limit) this.buckets.delete(key);
    }
    // still full of busy keys: drop the oldest rather than grow without bound
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
