import { MemoryRateLimitStore } from './rate-limit.store.js';

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
