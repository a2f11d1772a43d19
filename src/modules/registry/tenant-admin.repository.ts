import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';

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

/**
 * Reads of the current tenant's audit trail (table audit_logs, owned by auth), through the
 * tenant role's RLS. Here until AuditService offers these reads; registry never writes the table.
 */
@Injectable()
export class TenantAdminRepository {
  async countAudit(): Promise<number> {
    const em = await requestContext.tenantManager();
    const [{ n }] = await em.query('SELECT count(*)::int AS n FROM audit_logs');
    return n;
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
