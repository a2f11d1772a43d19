import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { rowsOf } from '../../database/query-rows.js';
import { TENANT_COLUMNS, tenantFromRow, type TenantView } from '../tenant/tenant.repository.js';

export interface TenantAuditView {
  id: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
}

/** The current tenant's own row, counts and audit trail, through the tenant role's RLS. */
@Injectable()
export class TenantAdminRepository {
  /** Current settings, row locked so concurrent merges do not lose each other's keys. */
  async lockSettings(): Promise<Record<string, unknown> | null> {
    const em = await requestContext.tenantManager();
    const rows = await em.query('SELECT settings FROM tenants WHERE id = app.current_tenant_id() FOR UPDATE');
    return rows[0]?.settings ?? null;
  }

  async writeSettings(settings: Record<string, unknown>): Promise<TenantView> {
    const em = await requestContext.tenantManager();
    const rows = rowsOf(await em.query(
      `UPDATE tenants SET settings = $1::jsonb, updated_at = now() WHERE id = app.current_tenant_id()
       RETURNING ${TENANT_COLUMNS}`,
      [JSON.stringify(settings)],
    ));
    return tenantFromRow(rows[0]);
  }

  async stats(): Promise<{ users: number; resources: number; sharedWithMe: number; auditEntries: number }> {
    const em = await requestContext.tenantManager();
    const [base] = await em.query(
      `SELECT (SELECT count(*) FROM users)::int AS users,
              (SELECT count(*) FROM audit_logs)::int AS audit_entries,
              to_regclass('public.resources') IS NOT NULL AS has_resources`,
    );
    let resources = 0;
    let sharedWithMe = 0;
    // The resources table belongs to the sharing module; count it only once it exists. RLS shows
    // this tenant's own rows plus those shared with it.
    if (base.has_resources) {
      const [r] = await em.query(
        `SELECT count(*) FILTER (WHERE tenant_id = app.current_tenant_id())::int AS own,
                count(*) FILTER (WHERE tenant_id <> app.current_tenant_id())::int AS shared
           FROM resources`,
      );
      resources = r.own;
      sharedWithMe = r.shared;
    }
    return { users: base.users, resources, sharedWithMe, auditEntries: base.audit_entries };
  }

  async auditPage(q: { page: number; limit: number; action?: string }): Promise<{ items: TenantAuditView[]; total: number }> {
    const em = await requestContext.tenantManager();
    const [{ total }] = await em.query(
      'SELECT count(*)::int AS total FROM audit_logs WHERE ($1::text IS NULL OR action = $1)',
      [q.action ?? null],
    );
    const rows = await em.query(
      `SELECT id, actor_id, action, target_type, target_id, request_id, ip, detail, created_at
         FROM audit_logs WHERE ($1::text IS NULL OR action = $1)
        ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
      [q.action ?? null, q.limit, (q.page - 1) * q.limit],
    );
    return {
      total,
      items: rows.map((r: Record<string, any>) => ({
        id: r.id,
        actorId: r.actor_id,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        requestId: r.request_id,
        ip: r.ip,
        detail: r.detail ?? {},
        createdAt: new Date(r.created_at).toISOString(),
      })),
    };
  }
}
