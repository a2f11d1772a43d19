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
    // The resource counts come from the listing function's totals: index-driven branches (own,
    // global, shared with me) under RLS, not a count over every row the policy admits.
    const [row] = await em.query(
      `SELECT (SELECT count(*) FROM users)::int AS users,
              (SELECT count(*) FROM audit_logs)::int AS audit_entries,
              (SELECT total FROM app.list_visible_resources('own', NULL, 1, 0) LIMIT 1) AS resources,
              (SELECT total FROM app.list_visible_resources('shared', NULL, 1, 0) LIMIT 1) AS shared`,
    );
    return { users: row.users, resources: row.resources, sharedWithMe: row.shared, auditEntries: row.audit_entries };
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
