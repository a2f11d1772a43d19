import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { AuditService, type PlatformAuditView } from '../auth/audit.service.js';
import { normaliseSubdomain, subdomainProblem } from '../tenant/subdomain.js';
import type { Page } from '../../common/paging.js';
import type { TenantView } from '../tenant/tenant.service.js';
import { TenantService } from '../tenant/tenant.service.js';
import type { ListTenantsQuery, PlatformAuditQuery } from './dto/list-tenants.query.js';
import type { UpdateTenantDto } from './dto/update-tenant.dto.js';
import { TenantRecordNotFoundError, TenantStateConflictError } from './registry.errors.js';

export interface SubdomainAvailability {
  subdomain: string;
  available: boolean;
  reason?: 'format' | 'reserved' | 'taken';
}

/**
 * The tenant lifecycle for platform admins. Each change runs in the request's platform
 * transaction together with its platform audit entry; the tenant module writes the row and
 * sends the tenant_changed notification.
 */
@Injectable()
export class RegistryService {
  constructor(
    private readonly tenants: TenantService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async list(q: ListTenantsQuery): Promise<Page<TenantView>> {
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { items, total } = await this.tenants.list({ ...q, page, limit });
    return { items, page, limit, total };
  }

  async get(id: string): Promise<TenantView> {
    return this.require(id);
  }

  async update(id: string, patch: UpdateTenantDto): Promise<TenantView> {
    const before = await this.require(id, true);
    if (before.status === 'deleted') throw new TenantStateConflictError('A deleted tenant cannot be changed; restore it first.');
    const after = await this.tenants.update(id, patch);
    await this.audit.recordPlatformChange({
      action: 'tenant.updated', targetType: 'tenant', targetId: id, targetTenantId: id,
      detail: { fields: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined) },
    });
    return after;
  }

  async suspend(id: string, reason?: string): Promise<TenantView> {
    const before = await this.require(id, true);
    if (before.status === 'deleted') throw new TenantStateConflictError('A deleted tenant cannot be suspended.');
    if (before.status === 'suspended') return before;
    const after = await this.tenants.suspend(id, reason ?? null);
    return this.audited('tenant.suspended', after, { from: before.status, ...(reason ? { reason } : {}) });
  }

  async reactivate(id: string): Promise<TenantView> {
    const before = await this.require(id, true);
    if (before.status === 'deleted') throw new TenantStateConflictError('A deleted tenant must be restored, not reactivated.');
    if (before.status === 'active') return before;
    const after = await this.tenants.reactivate(id);
    return this.audited('tenant.reactivated', after, { from: before.status });
  }

  async softDelete(id: string): Promise<TenantView> {
    const before = await this.require(id, true);
    if (before.status === 'deleted') return before;
    const after = await this.tenants.softDelete(id, this.config.purgeAfterDays);
    return this.audited('tenant.deleted', after, { from: before.status, purgeAfter: after.purgeAfter });
  }

  async restore(id: string): Promise<TenantView> {
    const before = await this.require(id, true);
    if (before.status !== 'deleted') throw new TenantStateConflictError('Only a deleted tenant can be restored.');
    if (!(await this.tenants.isBeforePurge(id))) {
      throw new TenantStateConflictError('The tenant is past its purgeAfter time and can no longer be restored.');
    }
    const after = await this.tenants.restore(id);
    return this.audited('tenant.restored', after, { to: after.status });
  }

  async subdomainAvailability(raw: string): Promise<SubdomainAvailability> {
    const subdomain = normaliseSubdomain(raw).slice(0, 64);
    const problem = subdomainProblem(subdomain);
    if (problem) return { subdomain, available: false, reason: problem };
    if (await this.tenants.subdomainTaken(subdomain)) return { subdomain, available: false, reason: 'taken' };
    return { subdomain, available: true };
  }

  async auditPage(q: PlatformAuditQuery): Promise<Page<PlatformAuditView>> {
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { items, total } = await this.audit.platformPage({ page, limit, tenantId: q.tenantId, action: q.action });
    return { items, page, limit, total };
  }

  private async audited(action: string, tenant: TenantView, detail: Record<string, unknown>): Promise<TenantView> {
    await this.audit.recordPlatformChange({ action, targetType: 'tenant', targetId: tenant.id, targetTenantId: tenant.id, detail });
    return tenant;
  }

  private async require(id: string, lock = false): Promise<TenantView> {
    const tenant = await this.tenants.findById(id, { lock });
    if (!tenant) throw new TenantRecordNotFoundError();
    return tenant;
  }
}
