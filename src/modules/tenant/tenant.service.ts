import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors.js';
import { sqlState } from '../../database/pg-errors.js';
import { SETTINGS_LIMITS } from './dto/tenant-fields.js';
import { mergePatch } from './merge-patch.js';
import { TenantEvents } from './tenant-events.js';
import { SubdomainTakenError, TenantNotFoundError } from './tenant.errors.js';
import {
  TenantRepository,
  type NewTenant,
  type TenantFilter,
  type TenantPatch,
  type TenantSummary,
  type TenantView,
} from './tenant.repository.js';

// other modules name a tenant by these types, through the service rather than the repository
export type { TenantSummary, TenantView };

/**
 * The tenant module's service: every read and write of table `tenants` by another module goes
 * through here. Tenant-scope methods use the request's tenant transaction (RLS: its own row);
 * platform-scope methods the request's platform transaction. A change of a tenant's status or
 * identity announces itself ("tenant changed", tenant-events.ts) in the same transaction.
 */
@Injectable()
export class TenantService {
  constructor(
    private readonly tenants: TenantRepository,
    private readonly events: TenantEvents,
  ) {}

  // --- tenant scope ---

  /** The tenant of the current request, read through RLS. */
  async current(): Promise<TenantView> {
    const tenant = await this.tenants.findCurrent();
    if (!tenant) throw new TenantNotFoundError();
    return tenant;
  }

  /** Applies an RFC 7396 merge patch to the current tenant's settings, under a row lock. */
  async updateSettings(patch: Record<string, unknown>): Promise<TenantView> {
    const current = await this.tenants.lockCurrentSettings();
    if (current === null) throw new TenantNotFoundError();
    const next = mergePatch(current, patch) as Record<string, unknown>;
    if (Buffer.byteLength(JSON.stringify(next), 'utf8') > SETTINGS_LIMITS.maxBytes) {
      throw new ValidationFailedError(
        [{ field: 'settings', message: `settings may hold at most ${SETTINGS_LIMITS.maxBytes} bytes in all` }],
      );
    }
    return this.tenants.writeCurrentSettings(next);
  }

  // --- platform scope ---

  list(filter: TenantFilter): Promise<{ items: TenantView[]; total: number }> {
    return this.tenants.list(filter);
  }

  /** One tenant; with `lock`, its row stays locked to the end of the transaction (status changes). */
  async findById(id: string, opts: { lock?: boolean } = {}): Promise<TenantView | null> {
    if (opts.lock && !(await this.tenants.lock(id))) return null;
    return this.tenants.findById(id);
  }

  /** The summary of each of `ids` that exists, keyed by id. */
  async summaries(ids: string[]): Promise<Map<string, TenantSummary>> {
    const rows = await this.tenants.summaries([...new Set(ids)]);
    return new Map(rows.map((t) => [t.id, t]));
  }

  subdomainTaken(subdomain: string): Promise<boolean> {
    return this.tenants.subdomainExists(subdomain);
  }

  /** A new tenant in status provisioning; SubdomainTakenError when the name is taken. */
  async create(tenant: NewTenant): Promise<TenantView> {
    try {
      const id = await this.tenants.insert(tenant, 'provisioning');
      return (await this.tenants.findById(id))!;
    } catch (err) {
      if (sqlState(err) === '23505') throw new SubdomainTakenError();
      throw err;
    }
  }

  /** Creates an active tenant unless its subdomain exists (development seed); its id either way. */
  async ensureActive(tenant: NewTenant): Promise<{ id: string; created: boolean }> {
    const id = await this.tenants.insertIfAbsent(tenant, 'active');
    if (id) return { id, created: true };
    return { id: (await this.tenants.idOfSubdomain(tenant.subdomain))!, created: false };
  }

  /** Adds the default keys the settings lack (existing values are kept); true when it changed. */
  ensureDefaultSettings(id: string, defaults: Record<string, unknown>): Promise<boolean> {
    return this.tenants.ensureDefaultSettings(id, defaults);
  }

  /** provisioning → active, announced; the tenant when it changed, else null. */
  async activate(id: string): Promise<TenantView | null> {
    const tenant = await this.tenants.activate(id);
    // A miss for this subdomain may sit in some instance's cache: announce the new tenant.
    if (tenant) await this.events.changed(tenant.id, tenant.subdomain);
    return tenant;
  }

  async update(id: string, patch: TenantPatch): Promise<TenantView> {
    return this.announced(await this.tenants.update(id, patch));
  }

  async suspend(id: string, reason: string | null): Promise<TenantView> {
    return this.announced(await this.tenants.suspend(id, reason));
  }

  async reactivate(id: string): Promise<TenantView> {
    return this.announced(await this.tenants.reactivate(id));
  }

  /** status deleted, purgeAfter `purgeAfterDays` from now (database clock). */
  async softDelete(id: string, purgeAfterDays: number): Promise<TenantView> {
    return this.announced(await this.tenants.softDelete(id, purgeAfterDays));
  }

  /** Back to what it was before the delete: suspended if it was, else active. */
  async restore(id: string): Promise<TenantView> {
    return this.announced(await this.tenants.restore(id));
  }

  /** purgeAfter is still in the future (database clock). */
  isBeforePurge(id: string): Promise<boolean> {
    return this.tenants.beforePurge(id);
  }

  /** Ids of deleted tenants past purgeAfter (of `only`, when given), oldest first. */
  dueForPurge(limit: number, only?: string[]): Promise<string[]> {
    return this.tenants.dueForPurge(limit, only);
  }

  /** Locks a tenant that is still due for purge; null when it is not (restored, or another instance has it). */
  lockDueForPurge(id: string): Promise<{ id: string; subdomain: string } | null> {
    return this.tenants.lockDueForPurge(id);
  }

  /** Deletes the tenant row (the purge, once the tenant's rows are gone), announced. */
  async deletePurged(tenant: { id: string; subdomain: string }): Promise<void> {
    await this.tenants.delete(tenant.id);
    await this.events.changed(tenant.id, tenant.subdomain);
  }

  private async announced(tenant: TenantView): Promise<TenantView> {
    await this.events.changed(tenant.id, tenant.subdomain);
    return tenant;
  }
}
