import { createHash } from 'node:crypto';
import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    tenancyLoginAttempt(...keysThenArgs: Array<string | number>): Result<number, Context>;
    tenancyLoginFailed(...keysThenWindow: Array<string | number>): Result<number, Context>;
  }
}

// KEYS: counters; ARGV[1]: the window (ms); ARGV[2i], ARGV[2i+1]: the limit of KEYS[i] and
// whether this attempt counts against it at once ('1'). Returns the longest wait (ms) among the
// counters at their limit, counting nothing; else counts the attempt and returns 0. Check and
// count in one step, so concurrent attempts on any instance cannot all slip under the limit.
const ATTEMPT_LUA = `
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if ARGV[2 * i + 1] == '1' and redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, window) end
end
return 0
`;

// KEYS: counters; ARGV[1]: the window (ms). A fixed window per counter, opened by its first
// count, so every key expires at most one window after it was created.
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
    redis.defineCommand('tenancyLoginAttempt', { lua: ATTEMPT_LUA });
    redis.defineCommand('tenancyLoginFailed', { lua: FAILED_LUA });
  }

  /**
   * 0 when no counter of `limits` is at its limit, after counting the attempt against those with
   * `countNow`; else how long (ms) the longest lock-out still runs, counting nothing.
   */
  async attempt(limits: Array<{ key: string; max: number; countNow: boolean }>, windowMs: number): Promise<number> {
    const keys = limits.map((l) => this.redisKey(l.key));
    const args = limits.flatMap((l) => [l.max, l.countNow ? 1 : 0]);
    return this.redis.tenancyLoginAttempt(keys.length, ...keys, windowMs, ...args);
  }

  /** Counts one failure against each key; a key's window opens with its first count. */
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
