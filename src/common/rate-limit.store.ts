import type { Redis, Result } from 'ioredis';

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
 * RedisRateLimitStore (REDIS_URL) makes the budget cluster-wide. Another one can be provided
 * through `createApp({ rateLimitStore })`. A request costs one `hit`, so a shared store must answer
 * it in one round trip.
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    tenancyRateLimitHit(key: string, limit: number, windowMs: number): Result<[number, number, number], Context>;
  }
}

/**
 * GCRA, the token bucket of MemoryRateLimitStore kept as one number per key: the theoretical
 * arrival time (TAT) of the next request. Each admitted request pushes it `window / limit` ms
 * further; a request is refused while TAT would run more than `window` ahead of now. One script
 * run per request (atomic, so concurrent instances never both take the last token), Redis's own
 * clock (instances' clocks may differ), and a TTL of at most the window on the key (an idle
 * tenant's key disappears once its bucket is full again).
 * Returns {allowed 0|1, remaining, retryAfterMs}.
 */
const GCRA_LUA = `
if redis.replicate_commands then redis.replicate_commands() end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = window / limit
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local newTat = tat + interval
local allowAt = newTat - window
if allowAt > now + 0.001 then
  return {0, 0, math.ceil(allowAt - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', newTat), 'PX', math.max(1, math.ceil(newTat - now)))
return {1, math.floor((window - (newTat - now)) / interval + 0.000001), 0}
`;

/** Wiring of a RedisRateLimitStore to its surroundings (all optional). */
export interface RedisRateLimitOptions {
  /** told about every decision taken by `fallback`, with the error when Redis failed */
  onFallback?: (err?: unknown) => void;
  /** false: skip Redis for now and use `fallback` (a back-off after failures) */
  usable?: () => boolean;
  /** decides while Redis cannot; default in memory */
  fallback?: RateLimitStore;
  prefix?: string;
}

/**
 * Budgets shared by every instance through Redis (keys `tenancy:rl:<key>`). When Redis fails or
 * does not answer within its command timeout, the decision comes from `fallback` (in memory, so
 * each instance then counts on its own, as without Redis): rate limits fail open to per-instance
 * budgets rather than refuse traffic or pass it unlimited.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly fallback: RateLimitStore;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisRateLimitOptions = {},
  ) {
    this.fallback = options.fallback ?? new MemoryRateLimitStore();
    this.prefix = options.prefix ?? 'tenancy:rl:';
    redis.defineCommand('tenancyRateLimitHit', { numberOfKeys: 1, lua: GCRA_LUA });
  }

  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    if (this.options.usable?.() === false) {
      this.options.onFallback?.();
      return this.fallback.hit(key, limit, windowMs);
    }
    try {
      const [allowed, remaining, retryAfterMs] = await this.redis.tenancyRateLimitHit(this.prefix + key, limit, windowMs);
      return { allowed: allowed === 1, remaining, retryAfterMs };
    } catch (err) {
      this.options.onFallback?.(err);
      return this.fallback.hit(key, limit, windowMs);
    }
  }
}
