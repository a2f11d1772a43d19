interface Compartment {
  active: number;
  waiters: Array<() => void>;
}

/**
 * Keyed bulkhead: each key (a tenant, say) may run at most `maxPerKey` units of work at once. A
 * caller over that waits up to `waitMs` for a slot of its own key, in arrival order, then gets
 * `refuse()`'s error. Keys never wait for one another, so one busy key cannot starve the rest.
 */
export class Bulkhead {
  private readonly compartments = new Map<string, Compartment>();

  constructor(
    readonly maxPerKey: number,
    private readonly waitMs: number,
    private readonly refuse: () => Error,
  ) {}

  /** Takes a slot of `key`; resolves to the function that gives it back (idempotent). */
  acquire(key: string): Promise<() => void> {
    let compartment = this.compartments.get(key);
    if (!compartment) {
      compartment = { active: 0, waiters: [] };
      this.compartments.set(key, compartment);
    }
    const c = compartment;
    if (c.active < this.maxPerKey) {
      c.active++;
      return Promise.resolve(this.releaser(key, c));
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(this.releaser(key, c));
      };
      const timer = setTimeout(() => {
        c.waiters.splice(c.waiters.indexOf(grant), 1);
        reject(this.refuse());
      }, this.waitMs);
      c.waiters.push(grant);
    });
  }

  /** Runs `fn` holding a slot of `key`. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(key);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Slots of `key` in use now (metrics, tests). */
  held(key: string): number {
    return this.compartments.get(key)?.active ?? 0;
  }

  private releaser(key: string, c: Compartment): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = c.waiters.shift();
      if (next) return next(); // the slot passes straight to the key's next waiter
      c.active--;
      if (c.active === 0 && c.waiters.length === 0) this.compartments.delete(key);
    };
  }
}
