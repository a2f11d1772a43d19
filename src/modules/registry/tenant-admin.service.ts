import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '../../common/errors.js';
import { AuditService, type AuditView } from '../auth/audit.service.js';
import { TenantNotFoundError } from '../tenant/tenant.errors.js';
import type { TenantView } from '../tenant/tenant.repository.js';
import type { Page, TenantAuditQuery } from './dto/list-tenants.query.js';
import { SETTINGS_LIMITS } from './dto/tenant-fields.js';
import { TenantAdminRepository } from './tenant-admin.repository.js';

/** RFC 7396 JSON merge patch: objects merge recursively, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

/** What a tenant admin does to the tenant itself: settings, stats, the audit trail. */
@Injectable()
export class TenantAdminService {
  constructor(
    private readonly repository: TenantAdminRepository,
    private readonly audit: AuditService,
  ) {}

  async updateSettings(patch: Record<string, unknown>): Promise<TenantView> {
    const current = await this.repository.lockSettings();
    if (current === null) throw new TenantNotFoundError();
    const next = mergePatch(current, patch) as Record<string, unknown>;
    if (Buffer.byteLength(JSON.stringify(next), 'utf8') > SETTINGS_LIMITS.maxBytes) {
      throw new ValidationFailedError(
        [{ field: 'settings', message: `settings may hold at most ${SETTINGS_LIMITS.maxBytes} bytes in all` }],
      );
    }
    const tenant = await this.repository.writeSettings(next);
    await this.audit.record({
      action: 'tenant.settings_updated',
      targetType: 'tenant',
      targetId: tenant.id,
      detail: { keys: Object.keys(patch).slice(0, 50) },
    });
    return tenant;
  }

  stats() {
    return this.repository.stats();
  }

  async auditPage(q: TenantAuditQuery): Promise<Page<AuditView>> {
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { items, total } = await this.audit.tenantPage({ page, limit, action: q.action });
    return { items, page, limit, total };
  }
}
