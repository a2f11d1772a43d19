import { Injectable } from '@nestjs/common';
import { NoDatabaseContextError, requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import type { TransactionSession } from '../../database/db-session.js';

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
    const em = await requestContext.tenantManager();
    await em.query(TENANT_INSERT, tenantValues(entry));
  }

  /**
   * Appends an entry to a given tenant's trail from platform scope (provisioning), so its admins
   * see how it came to be; commits or rolls back with the platform transaction.
   */
  async recordForTenant(tenantId: string, entry: AuditEntry): Promise<void> {
    const em = await requestContext.platformManager();
    await em.query(FOR_TENANT_INSERT, [tenantId, ...auditValues(entry, entry.actorId ?? null)]);
  }

  /**
   * Appends an entry that survives the request's rollback (failed logins): written on the
   * request's own connection, after its ROLLBACK, never on a second connection.
   */
  recordEvenOnRollback(entry: AuditEntry): void {
    requestSession('tenant').writeEvenOnRollback(TENANT_INSERT, tenantValues(entry));
  }

  /**
   * Appends a platform audit entry (platform_audit_logs) that survives a failed request
   * (platform logins, failed ones, refresh reuse): on the request's platform connection when it
   * has one (after its ROLLBACK on failure), else in a platform transaction of its own.
   */
  async recordPlatform(entry: AuditEntry): Promise<void> {
    const values = auditValues(entry, entry.actorId ?? null);
    const session = requestContext.get()?.session;
    if (session?.scope === 'platform') {
      (session as TransactionSession).writeEvenOnRollback(PLATFORM_INSERT, values);
      return;
    }
    await this.sessions.runAsPlatform(entry.actorId ?? 'anonymous', async () => {
      const em = await requestContext.platformManager();
      await em.query(PLATFORM_INSERT, values);
    });
  }
}

const TENANT_INSERT = `INSERT INTO audit_logs (tenant_id, actor_id, action, target_type, target_id, request_id, ip, detail)
  VALUES (app.current_tenant_id(), $1, $2, $3, $4, $5, $6, $7)`;
const FOR_TENANT_INSERT = `INSERT INTO audit_logs (tenant_id, actor_id, action, target_type, target_id, request_id, ip, detail)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const PLATFORM_INSERT = `INSERT INTO platform_audit_logs (actor_id, action, target_type, target_id, request_id, ip, detail)
  VALUES ($1, $2, $3, $4, $5, $6, $7)`;

function tenantValues(entry: AuditEntry) {
  const principal = requestContext.get()?.principal;
  return auditValues(entry, entry.actorId === undefined ? (principal?.subject ?? null) : entry.actorId);
}

/** The request's transaction of `scope`; throws outside one. */
function requestSession(scope: 'tenant' | 'platform'): TransactionSession {
  const session = requestContext.get()?.session;
  if (!session || session.scope !== scope) throw new NoDatabaseContextError(scope);
  return session as TransactionSession;
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
