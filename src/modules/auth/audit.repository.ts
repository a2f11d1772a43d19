import { Injectable } from '@nestjs/common';
import type { InsertQueryBuilder, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { NoDatabaseContextError, requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import type { TransactionSession } from '../../database/db-session.js';
import { AuditLogEntity } from './entities/audit-log.entity.js';
import { PlatformAuditLogEntity } from './entities/platform-audit-log.entity.js';

/** The columns an entry is written with (both trails). */
export type AuditRow = Pick<AuditLogEntity, 'actorId' | 'action' | 'targetType' | 'targetId' | 'requestId' | 'ip' | 'detail'>;

export interface PlatformAuditRow extends Omit<AuditRow, 'actorId'> {
  /** undefined: the platform transaction's actor (app.actor: a job, the CLI) */
  actorId?: string | null;
  targetTenantId: string | null;
}

/** An entry of a tenant's trail as GET /v1/audit-logs shows it. */
export interface AuditView {
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

/** An entry of the platform trail as GET /v1/admin/audit-logs shows it. */
export interface PlatformAuditView extends AuditView {
  tenantId: string | null;
}

// Evaluated by Postgres, so the tenant and the actor come from the transaction's own settings.
const CURRENT_TENANT = () => 'app.current_tenant_id()';
const TRANSACTION_ACTOR = () => "nullif(current_setting('app.actor', true), '')";

/**
 * The tenant audit trail (audit_logs) and the platform one (platform_audit_logs): append-only,
 * so only INSERT and SELECT. Entries go into the request's transaction and commit or roll back
 * with it, or, through the *EvenOnRollback methods, land either way.
 */
@Injectable()
export class AuditRepository {
  constructor(private readonly sessions: DatabaseSessions) {}

  /** Into the current tenant's trail, in its transaction. */
  async insert(row: AuditRow): Promise<void> {
    const em = await requestContext.tenantManager();
    await tenantInsert(em.createQueryBuilder(), row).execute();
  }

  /** Into the current tenant's trail whether its transaction commits or rolls back. */
  insertEvenOnRollback(row: AuditRow): void {
    // only built here: the session sends it on its own connection, before COMMIT or after ROLLBACK
    const [sql, params] = tenantInsert(this.sessions.tenantDataSource.createQueryBuilder(), row).getQueryAndParameters();
    requestSession('tenant').writeEvenOnRollback(sql, params);
  }

  /** Into a given tenant's trail from platform scope, in the platform transaction. */
  async insertForTenant(tenantId: string, row: AuditRow): Promise<void> {
    const em = await requestContext.platformManager();
    await em.createQueryBuilder().insert().into(AuditLogEntity).values({ ...row, tenantId }).updateEntity(false).execute();
  }

  /** Into the platform trail, in the current platform transaction. */
  async insertPlatform(row: PlatformAuditRow): Promise<void> {
    const em = await requestContext.platformManager();
    await platformInsert(em.createQueryBuilder(), row).execute();
  }

  /** Into the platform trail whether the request's platform transaction commits or rolls back. */
  insertPlatformEvenOnRollback(row: PlatformAuditRow): void {
    const [sql, params] = platformInsert(this.sessions.platformDataSource.createQueryBuilder(), row).getQueryAndParameters();
    requestSession('platform').writeEvenOnRollback(sql, params);
  }

  /** One page of the current tenant's trail, newest first; RLS limits it to the tenant. */
  async page(q: { limit: number; offset: number; action?: string }): Promise<{ items: AuditView[]; total: number }> {
    const em = await requestContext.tenantManager();
    const qb = em.getRepository(AuditLogEntity).createQueryBuilder('a');
    if (q.action !== undefined) qb.where('a.action = :action', { action: q.action });
    const [rows, total] = await newestFirst(qb, q).getManyAndCount();
    return { items: rows.map(auditView), total };
  }

  /** How many entries the current tenant's trail holds. */
  async count(): Promise<number> {
    const em = await requestContext.tenantManager();
    return em.getRepository(AuditLogEntity).count();
  }

  /** One page of the platform trail, newest first, optionally for one target tenant and action. */
  async platformPage(q: {
    limit: number;
    offset: number;
    tenantId?: string;
    action?: string;
  }): Promise<{ items: PlatformAuditView[]; total: number }> {
    const em = await requestContext.platformManager();
    const qb = em.getRepository(PlatformAuditLogEntity).createQueryBuilder('a');
    if (q.tenantId !== undefined) qb.andWhere('a.targetTenantId = :tenantId', { tenantId: q.tenantId });
    if (q.action !== undefined) qb.andWhere('a.action = :action', { action: q.action });
    const [rows, total] = await newestFirst(qb, q).getManyAndCount();
    return { items: rows.map(platformAuditView), total };
  }
}

function tenantInsert(qb: SelectQueryBuilder<ObjectLiteral>, row: AuditRow): InsertQueryBuilder<AuditLogEntity> {
  return qb.insert().into(AuditLogEntity).values({ ...row, tenantId: CURRENT_TENANT }).updateEntity(false);
}

function platformInsert(qb: SelectQueryBuilder<ObjectLiteral>, row: PlatformAuditRow): InsertQueryBuilder<PlatformAuditLogEntity> {
  const actorId = row.actorId === undefined ? TRANSACTION_ACTOR : row.actorId;
  return qb.insert().into(PlatformAuditLogEntity).values({ ...row, actorId }).updateEntity(false);
}

function newestFirst<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, q: { limit: number; offset: number }): SelectQueryBuilder<T> {
  return qb.orderBy('a.createdAt', 'DESC').addOrderBy('a.id', 'DESC').limit(q.limit).offset(q.offset);
}

function auditView(r: AuditLogEntity): AuditView {
  return {
    id: r.id,
    actorId: r.actorId,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    requestId: r.requestId,
    ip: r.ip,
    detail: r.detail ?? {},
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

function platformAuditView(r: PlatformAuditLogEntity): PlatformAuditView {
  return {
    id: r.id,
    actorId: r.actorId,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    tenantId: r.targetTenantId,
    requestId: r.requestId,
    ip: r.ip,
    detail: r.detail ?? {},
    createdAt: new Date(r.createdAt).toISOString(),
  };
}

/** The request's transaction of `scope`; throws outside one. */
function requestSession(scope: 'tenant' | 'platform'): TransactionSession {
  const session = requestContext.get()?.session;
  if (!session || session.scope !== scope) throw new NoDatabaseContextError(scope);
  return session as TransactionSession;
}
