import type { Redis } from 'ioredis';
import { MemoryRateLimitStore, RedisRateLimitStore } from './rate-limit.store.js';

describe('MemoryRateLimitStore (token bucket)', () => {
  it('allows a burst up to the limit, then refills at limit/window', () => {
    let now = 1_000_000;
    const store = new MemoryRateLimitStore(() => now);
    const take = () => store.hit('t1', 10, 10_000); // 1 request per second
    for (let i = 0; i < 10; i++) expect(take().allowed).toBe(true);
    const refused = take();
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterMs).toBe(1000);
    now += 500;
    expect(take()).toMatchObject({ allowed: false, retryAfterMs: 500 });
    now += 500;
    expect(take().allowed).toBe(true);
    expect(take().allowed).toBe(false);
    now += 60_000; // never more than the limit banked
    for (let i = 0; i < 10; i++) expect(take().allowed).toBe(true);
    expect(take().allowed).toBe(false);
  });

  it('keeps keys apart', () => {
    const store = new MemoryRateLimitStore(() => 0);
    expect(store.hit('a', 1, 1000).allowed).toBe(true);
    expect(store.hit('a', 1, 1000).allowed).toBe(false);
    expect(store.hit('b', 1, 1000).allowed).toBe(true);
  });

  it('stays bounded: idle (refilled) keys are swept when the map is full', () => {
    let now = 0;
    const store = new MemoryRateLimitStore(() => now, 3);
    for (const k of ['a', 'b', 'c']) store.hit(k, 2, 1000);
    now += 5000;
    store.hit('d', 2, 1000);
    expect(store.size).toBe(1);
    for (const k of ['e', 'f', 'g', 'h']) store.hit(k, 2, 1000);
    expect(store.size).toBeLessThanOrEqual(3);
  });
});

describe('RedisRateLimitStore without Redis (the script itself runs in test/abuse/shared-limits)', () => {
  const fakeRedis = (answer: (key: string) => Promise<[number, number, number]>) =>
    ({ defineCommand: () => undefined, tenancyRateLimitHit: answer }) as unknown as Redis;

  it('answers with the script’s decision, the key namespaced', async () => {
    const keys: string[] = [];
    const store = new RedisRateLimitStore(
      fakeRedis((key) => {
        keys.push(key);
        return Promise.resolve([0, 0, 1500]);
      }),
    );
    expect(await store.hit('tenant:x', 5, 60_000)).toEqual({ allowed: false, remaining: 0, retryAfterMs: 1500 });
    expect(keys).toEqual(['tenancy:rl:tenant:x']);
  });

  it('fails open to its local store when Redis fails, and skips Redis while told to', async () => {
    const seen: unknown[] = [];
    let calls = 0;
    let usable = true;
    const store = new RedisRateLimitStore(
      fakeRedis(() => {
        calls++;
        return Promise.reject(new Error('Command timed out'));
      }),
      { onFallback: (err) => seen.push(err), usable: () => usable, fallback: new MemoryRateLimitStore(() => 0) },
    );
    expect(await store.hit('tenant:x', 2, 60_000)).toMatchObject({ allowed: true, remaining: 1 });
    usable = false;
    expect(await store.hit('tenant:x', 2, 60_000)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await store.hit('tenant:x', 2, 60_000)).toMatchObject({ allowed: false });
    expect(calls).toBe(1);
    expect(seen).toHaveLength(3);
    expect((seen[0] as Error).message).toBe('Command timed out');
    expect(seen.slice(1)).toEqual([undefined, undefined]);
  });
});
