import { TenantBusyError } from '../common/errors.js';

interface Compartment {
  active: number;
  waiters: Array<{ grant: () => void }>;
}

/**
 * Per-tenant bulkhead in front of the tenant pool: one tenant may hold at most `maxPerTenant`
 * of the instance's connections at once (DB_TENANT_POOL_SHARE of DB_POOL_SIZE). A request over
 * that waits up to `waitMs` for one of the tenant's own slots, then is refused with 503
 * tenant_busy; it never queues in the pool in front of other tenants.
 */
export class TenantBulkhead {
  private readonly compartments = new Map<string, Compartment>();

  constructor(
    readonly maxPerTenant: number,
    private readonly waitMs: number,
  ) {}

  /** Takes one of the tenant's slots; resolves to the function that gives it back (call once). */
  acquire(tenantId: string): Promise<() => void> {
    let c = this.compartments.get(tenantId);
    if (!c) {
      c = { active: 0, waiters: [] };
      this.compartments.set(tenantId, c);
    }
    const compartment = c;
    if (compartment.active < this.maxPerTenant) {
      compartment.active++;
      return Promise.resolve(this.releaser(tenantId, compartment));
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.releaser(tenantId, compartment));
        },
      };
      const timer = setTimeout(() => {
        compartment.waiters.splice(compartment.waiters.indexOf(waiter), 1);
        reject(new TenantBusyError(Math.max(1, Math.ceil(this.waitMs / 1000))));
      }, this.waitMs);
      compartment.waiters.push(waiter);
    });
  }

  /** Connections the tenant holds now (metrics, tests). */
  held(tenantId: string): number {
    return this.compartments.get(tenantId)?.active ?? 0;
  }

  private releaser(tenantId: string, compartment: Compartment): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = compartment.waiters.shift();
      if (next) {
        next.grant(); // the slot passes straight to the next waiter of the same tenant
        return;
      }
      compartment.active--;
      if (compartment.active === 0) this.compartments.delete(tenantId);
    };
  }
}
