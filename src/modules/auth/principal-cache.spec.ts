import { describe, expect, it } from '@jest/globals';
import { PrincipalCache } from './principal-cache.js';

const active = { role: 'member', status: 'active' };

describe('PrincipalCache', () => {
  it('answers what was stored, for the tenant it was read in only', () => {
    const c = new PrincipalCache(1_000, 10);
    c.set('u1', 'tenant:a', active, c.generation);
    expect(c.get('u1', 'tenant:a')).toEqual({ state: active });
    expect(c.get('u1', 'tenant:b')).toBe(false);
    expect(c.get('u2', 'tenant:a')).toBe(false);
  });

  it('remembers a missing row as missing', () => {
    const c = new PrincipalCache(1_000, 10);
    c.set('gone', 'platform', undefined, c.generation);
    expect(c.get('gone', 'platform')).toEqual({ state: undefined });
  });

  it('does not store a read that an invalidation overtook (the read raced a change)', () => {
    const c = new PrincipalCache(1_000, 10);
    const generation = c.generation; // the request starts reading the row...
    c.invalidate('u1'); // ...the change commits and its notification arrives...
    c.set('u1', 'tenant:a', active, generation); // ...and the old state comes back
    expect(c.get('u1', 'tenant:a')).toBe(false);
    c.set('u1', 'tenant:a', active, c.generation);
    expect(c.get('u1', 'tenant:a')).toEqual({ state: active });
  });

  it('drops an entry on invalidate, everything on clear, and expired entries', () => {
    let now = 0;
    const c = new PrincipalCache(1_000, 10, () => now);
    c.set('u1', 'tenant:a', active, c.generation);
    c.set('u2', 'tenant:a', active, c.generation);
    c.invalidate('u1');
    expect(c.get('u1', 'tenant:a')).toBe(false);
    expect(c.get('u2', 'tenant:a')).not.toBe(false);
    now = 1_000;
    expect(c.get('u2', 'tenant:a')).toBe(false);
    c.set('u3', 'tenant:a', active, c.generation);
    c.clear();
    expect(c.size).toBe(0);
  });

  it('keeps at most `max` entries, the oldest out first; a TTL of 0 stores nothing', () => {
    const c = new PrincipalCache(1_000, 2);
    for (const id of ['u1', 'u2', 'u3']) c.set(id, 'platform', active, c.generation);
    expect(c.get('u1', 'platform')).toBe(false);
    expect(c.size).toBe(2);
    const off = new PrincipalCache(0, 10);
    off.set('u1', 'platform', active, off.generation);
    expect(off.enabled).toBe(false);
    expect(off.size).toBe(0);
  });
});
