import { Injectable } from '@nestjs/common';
import type { Page } from '../../common/paging.js';
import { AuditService, type AuditView } from '../auth/audit.service.js';
import { UsersService } from '../auth/users.service.js';
import { SharingService } from '../sharing/sharing.service.js';
import type { TenantView } from '../tenant/tenant.service.js';
import { TenantService } from '../tenant/tenant.service.js';
import type { TenantAuditQuery } from './dto/list-tenants.query.js';

export interface TenantStats {
  users: number;
  resources: number;
  sharedWithMe: number;
  auditEntries: number;
}

/**
 * What a tenant admin does to the tenant as a whole: settings (the tenant module's row, with an
 * audit entry), stats (each count from the module that owns the table), the audit trail.
 */
@Injectable()
export class TenantAdminService {
  constructor(
    private readonly tenants: TenantService,
    private readonly users: UsersService,
    private readonly sharing: SharingService,
    private readonly audit: AuditService,
  ) {}

  async updateSettings(patch: Record<string, unknown>): Promise<TenantView> {
    const tenant = await this.tenants.updateSettings(patch);
    await this.audit.record({
      action: 'tenant.settings_updated',
      targetType: 'tenant',
      targetId: tenant.id,
      detail: { keys: Object.keys(patch).slice(0, 50) },
    });
    return tenant;
  }

  async stats(): Promise<TenantStats> {
    // Totals of one-row pages: the resource counts come from the listing function's totals
    // (index-driven branches under RLS), not from a count over every row the policy admits.
    const users = await this.users.list({ page: 1, limit: 1 });
    const own = await this.sharing.list({ scope: 'own', page: 1, limit: 1 });
    const shared = await this.sharing.list({ scope: 'shared', page: 1, limit: 1 });
    const auditEntries = await this.audit.count();
    return { users: users.total, resources: own.total, sharedWithMe: shared.total, auditEntries };
  }

  async auditPage(q: TenantAuditQuery): Promise<Page<AuditView>> {
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { items, total } = await this.audit.tenantPage({ page, limit, action: q.action });
    return { items, page, limit, total };
  }
}
