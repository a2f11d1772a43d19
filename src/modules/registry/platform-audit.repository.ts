import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';

export interface PlatformAuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  targetTenantId?: string | null;
  detail?: Record<string, unknown>;
}

export interface PlatformAuditView {
  id: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  tenantId: string | null;
  requestId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
  createdAt: string;
}

/** The platform audit trail (append-only table platform_audit_logs), in the platform transaction. */
@Injectable()
export class PlatformAuditRepository {
  async insert(entry: PlatformAuditEntry): Promise<void> {
    const state = requestContext.get();
    const em = await requestContext.platformManager();
    await em.query(
      `INSERT INTO platform_audit_logs
         (actor_id, action, target_type, target_id, target_tenant_id, request_id, ip, detail)
       VALUES (coalesce($1, nullif(current_setting('app.actor', true), '')), $2, $3, $4, $5, $6, $7, $8)`,
      [
        state?.principal?.subject ?? null,
        entry.action,
        entry.targetType ?? null,
        entry.targetId ?? null,
        entry.targetTenantId ?? null,
        state?.requestId ?? null,
        state?.ip ?? null,
        JSON.stringify(entry.detail ?? {}),
      ],
    );
  }

  async page(q: { page: number; limit: number; tenantId?: string; action?: string }) {
    const em = await requestContext.platformManager();
    const where = `($1::uuid IS NULL OR target_tenant_id = $1) AND ($2::text IS NULL OR action = $2)`;
    const params = [q.tenantId ?? null, q.action ?? null];
    const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM platform_audit_logs WHERE ${where}`, params);
    const rows = await em.query(
      `SELECT * FROM platform_audit_logs WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
      [...params, q.limit, (q.page - 1) * q.limit],
    );
    return { items: rows.map(platformAuditFromRow), total: total as number };
  }
}

function platformAuditFromRow(r: Record<string, any>): PlatformAuditView {
  return {
    id: r.id,
    actorId: r.actor_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    tenantId: r.target_tenant_id,
    requestId: r.request_id,
    ip: r.ip,
    detail: r.detail ?? {},
    createdAt: new Date(r.created_at).toISOString(),
  };
}
