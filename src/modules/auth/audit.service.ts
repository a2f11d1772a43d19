import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import { AuditRepository, type AuditRow, type AuditView, type PlatformAuditView } from './audit.repository.js';

export type { AuditView, PlatformAuditView } from './audit.repository.js';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  detail?: Record<string, unknown>;
  /** defaults to the principal of the request */
  actorId?: string | null;
}

export interface PlatformAuditEntry extends Omit<AuditEntry, 'actorId'> {
  /** the tenant the change is about, for GET /v1/admin/audit-logs?tenantId= */
  targetTenantId?: string | null;
}

/** The tenant audit trail (audit_logs) and the platform one (platform_audit_logs); both append-only. */
@Injectable()
export class AuditService {
  constructor(
    private readonly sessions: DatabaseSessions,
    private readonly repository: AuditRepository,
  ) {}

  /** Appends an entry inside the current tenant transaction: it commits or rolls back with the change. */
  async record(entry: AuditEntry): Promise<void> {
    await this.repository.insert(tenantRow(entry));
  }

  /**
   * Appends an entry to a given tenant's trail from platform scope (provisioning), so its admins
   * see how it came to be; commits or rolls back with the platform transaction.
   */
  async recordForTenant(tenantId: string, entry: AuditEntry): Promise<void> {
    await this.repository.insertForTenant(tenantId, row(entry, entry.actorId ?? null));
  }

  /**
   * Appends an entry that survives the request's rollback (failed logins): written on the
   * request's own connection, after its ROLLBACK, never on a second connection.
   */
  recordEvenOnRollback(entry: AuditEntry): void {
    this.repository.insertEvenOnRollback(tenantRow(entry));
  }

  /**
   * Appends a platform audit entry (platform_audit_logs) that survives a failed request
   * (platform logins, failed ones, refresh reuse): on the request's platform connection when it
   * has one (after its ROLLBACK on failure), else in a platform transaction of its own.
   */
  async recordPlatform(entry: AuditEntry): Promise<void> {
    const values = { ...row(entry, entry.actorId ?? null), targetTenantId: null };
    if (requestContext.get()?.session?.scope === 'platform') {
      this.repository.insertPlatformEvenOnRollback(values);
      return;
    }
    await this.sessions.runAsPlatform(entry.actorId ?? 'anonymous', () => this.repository.insertPlatform(values));
  }

  /**
   * Appends a platform audit entry for a change made in the current platform transaction (a
   * tenant's lifecycle, provisioning, the purge): it commits or rolls back with the change. The
   * actor is the request's admin, else the transaction's actor (a job, the CLI).
   */
  async recordPlatformChange(entry: PlatformAuditEntry): Promise<void> {
    const actorId = requestContext.get()?.principal?.subject;
    await this.repository.insertPlatform({ ...row(entry, null), actorId, targetTenantId: entry.targetTenantId ?? null });
  }

  /** One page of the current tenant's trail, newest first, optionally of one action. */
  tenantPage(q: { page: number; limit: number; action?: string }): Promise<{ items: AuditView[]; total: number }> {
    return this.repository.page({ limit: q.limit, offset: (q.page - 1) * q.limit, action: q.action });
  }

  /** How many entries the current tenant's trail holds. */
  count(): Promise<number> {
    return this.repository.count();
  }

  /** One page of the platform trail, newest first, optionally about one tenant and of one action. */
  platformPage(q: {
    page: number;
    limit: number;
    tenantId?: string;
    action?: string;
  }): Promise<{ items: PlatformAuditView[]; total: number }> {
    return this.repository.platformPage({ limit: q.limit, offset: (q.page - 1) * q.limit, tenantId: q.tenantId, action: q.action });
  }
}

/** A tenant entry's columns; the actor defaults to the request's principal. */
function tenantRow(entry: AuditEntry): AuditRow {
  const principal = requestContext.get()?.principal;
  return row(entry, entry.actorId === undefined ? (principal?.subject ?? null) : entry.actorId);
}

/** actor, action, target type and id, request id, client address, detail: both trails' columns. */
function row(entry: AuditEntry, actorId: string | null): AuditRow {
  const state = requestContext.get();
  return {
    actorId,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    requestId: state?.requestId ?? null,
    ip: state?.ip ?? null,
    detail: entry.detail ?? {},
  };
}
