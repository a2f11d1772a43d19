import { jest } from '@jest/globals';
import { Bulkhead } from './bulkhead.js';

class Full extends Error {}

describe('Bulkhead', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('admits maxPerKey at once per key, and keys never wait for one another', async () => {
    const b = new Bulkhead(2, 1000, () => new Full());
    await b.acquire('a');
    await b.acquire('a');
    expect(b.held('a')).toBe(2);
    await b.acquire('b'); // another key is not affected by a's full compartment
    expect(b.held('b')).toBe(1);
  });

  it('a waiter gets the next released slot of its key, in arrival order', async () => {
    const b = new Bulkhead(1, 1000, () => new Full());
    const release = await b.acquire('a');
    const order: number[] = [];
    const w1 = b.acquire('a').then((r) => (order.push(1), r));
    const w2 = b.acquire('a').then((r) => (order.push(2), r));
    release();
    (await w1)();
    (await w2)();
    expect(order).toEqual([1, 2]);
    expect(b.held('a')).toBe(0);
  });

  it('refuses a waiter once waitMs has passed, and forgets it', async () => {
    const b = new Bulkhead(1, 500, () => new Full());
    const release = await b.acquire('a');
    const waiting = b.acquire('a');
    jest.advanceTimersByTime(500);
    await expect(waiting).rejects.toBeInstanceOf(Full);
    release();
    expect(b.held('a')).toBe(0); // the refused waiter did not take the slot
  });

  it('a release is idempotent', async () => {
    const b = new Bulkhead(2, 500, () => new Full());
    const release = await b.acquire('a');
    await b.acquire('a');
    release();
    release();
    expect(b.held('a')).toBe(1);
  });

  it('run() gives the slot back when the work throws', async () => {
    const b = new Bulkhead(1, 500, () => new Full());
    await expect(b.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(b.held('a')).toBe(0);
  });
});
