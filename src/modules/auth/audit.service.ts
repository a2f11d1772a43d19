import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  detail?: Record<string, unknown>;
  /** defaults to the principal of the request */
  actorId?: string | null;
}

/** Writes the tenant audit trail (append-only table audit_logs). */
@Injectable()
export class AuditService {
  constructor(private readonly sessions: DatabaseSessions) {}

  /** Appends an entry inside the current tenant transaction: it commits or rolls back with the change. */
  async record(entry: AuditEntry): Promise<void> {
    const state = requestContext.get();
    const em = await requestContext.tenantManager();
    await em.query(
      `INSERT INTO audit_logs (tenant_id, actor_id, action, target_type, target_id, request_id, ip, detail)
       VALUES (app.current_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`,
      auditValues(entry, entry.actorId === undefined ? (state?.principal?.subject ?? null) : entry.actorId),
    );
  }

  /**
   * Appends an entry in its own transaction, so it survives the request's rollback
   * (failed logins, refresh-token reuse).
   */
  async recordDetached(tenantId: string, entry: AuditEntry): Promise<void> {
    await this.sessions.runAsTenant(tenantId, () => this.record(entry));
  }

  /**
   * Appends a platform audit entry (platform_audit_logs) in its own platform transaction, so it
   * survives a failed request (platform logins, failed ones, refresh reuse).
   */
  async recordPlatform(entry: AuditEntry): Promise<void> {
    await this.sessions.runAsPlatform(entry.actorId ?? 'anonymous', async () => {
      const em = await requestContext.platformManager();
      await em.query(
        `INSERT INTO platform_audit_logs (actor_id, action, target_type, target_id, request_id, ip, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        auditValues(entry, entry.actorId ?? null),
      );
    });
  }
}

/** actor, action, target type and id, request id, client address, detail: both trails' columns. */
function auditValues(entry: AuditEntry, actorId: string | null) {
  const state = requestContext.get();
  return [
    actorId,
    entry.action,
    entry.targetType ?? null,
    entry.targetId ?? null,
    state?.requestId ?? null,
    state?.ip ?? null,
    JSON.stringify(entry.detail ?? {}),
  ];
}
