import { TenantCache, type ResolvedTenant } from './tenant-cache.js';

const tenant = (n: number): ResolvedTenant => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  subdomain: `tenant-${n}`,
  status: 'active',
  type: 'client',
  tier: 'free',
});

describe('TenantCache', () => {
  let now = 0;
  const clock = () => now;

  it('answers by id and by subdomain until the TTL passes', () => {
    const cache = new TenantCache(1000, 100, 100, clock);
    cache.set('tenant-1', tenant(1));
    expect(cache.get(tenant(1).id)).toEqual(tenant(1));
    expect(cache.get('tenant-1')).toEqual(tenant(1));
    now += 1001;
    expect(cache.get('tenant-1')).toBeUndefined();
  });

  it('caches unknown keys only briefly', () => {
    now = 0;
    const cache = new TenantCache(10_000, 100, 50, clock);
    cache.set('nobody', null);
    expect(cache.get('nobody')).toBeNull();
    now += 51;
    expect(cache.get('nobody')).toBeUndefined();
  });

  it('stays within its size bound, evicting the least recently used', () => {
    now = 0;
    const cache = new TenantCache(10_000, 6, 100, clock);
    for (let i = 1; i <= 3; i++) cache.set(tenant(i).id, tenant(i)); // 2 keys each
    cache.get(tenant(1).id); // 1 is now recent
    cache.set(tenant(4).id, tenant(4));
    expect(cache.size).toBeLessThanOrEqual(6);
    expect(cache.get(tenant(1).id)).toEqual(tenant(1));
    expect(cache.get(tenant(2).id)).toBeUndefined();
  });

  it('invalidate drops a tenant under every key', () => {
    now = 0;
    const cache = new TenantCache(10_000, 100, 100, clock);
    cache.set('tenant-1', tenant(1));
    cache.invalidate(tenant(1).id);
    expect(cache.get('tenant-1')).toBeUndefined();
    expect(cache.get(tenant(1).id)).toBeUndefined();
  });

  it('counts hits and misses', () => {
    const cache = new TenantCache(10_000, 100, 100, clock);
    cache.get('x');
    cache.set('x', tenant(9));
    cache.get('x');
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 1, misses: 1 });
  });
});
