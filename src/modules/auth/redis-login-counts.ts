import { createHash } from 'node:crypto';
import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    tenancyLoginBlockedFor(...keysThenMaxes: Array<string | number>): Result<number, Context>;
    tenancyLoginFailed(...keysThenWindow: Array<string | number>): Result<number, Context>;
  }
}

// KEYS: counters; ARGV[i]: the limit of KEYS[i]. The longest wait (ms) among the counters at
// their limit; 0 = allowed.
const BLOCKED_FOR_LUA = `
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i]) then
    local ttl = redis.call('PTTL', key)
    if ttl > wait then wait = ttl end
  end
end
return wait
`;

// KEYS: counters; ARGV[1]: the window (ms). A fixed window per counter, opened by its first
// failure, so every key expires at most one window after it was created.
const FAILED_LUA = `
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
end
return 0
`;

/**
 * Failed-login counters in Redis, shared by every instance: `tenancy:login:<hash>` per account
 * or client address (hashed, so no email or address sits in Redis). Each method is one atomic
 * script run, one round trip.
 */
export class RedisLoginCounts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'tenancy:login:',
  ) {
    redis.defineCommand('tenancyLoginBlockedFor', { lua: BLOCKED_FOR_LUA });
    redis.defineCommand('tenancyLoginFailed', { lua: FAILED_LUA });
  }

  /** How long (ms) the longest lock-out among `limits` still runs; 0 when none is at its limit. */
  async blockedFor(limits: Array<{ key: string; max: number }>): Promise<number> {
    const keys = limits.map((l) => this.redisKey(l.key));
    return this.redis.tenancyLoginBlockedFor(keys.length, ...keys, ...limits.map((l) => l.max));
  }

  /** Counts one failure against each key; a key's window opens with its first failure. */
  async failed(keys: string[], windowMs: number): Promise<void> {
    await this.redis.tenancyLoginFailed(keys.length, ...keys.map((k) => this.redisKey(k)), windowMs);
  }

  async clear(key: string): Promise<void> {
    await this.redis.del(this.redisKey(key));
  }

  private redisKey(key: string): string {
    return this.prefix + createHash('sha256').update(key).digest('base64url');
  }
}
