import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import { affectedOf } from '../../database/query-rows.js';
import type { TenantSort } from './dto/tenant-fields.js';
import { TenantEntity } from './entities/tenant.entity.js';
import type { ResolvedTenant } from './tenant-cache.js';

/** The tenant object of the API. */
export interface TenantView {
  id: string;
  subdomain: string;
  companyName: string;
  type: string;
  tier: string;
  status: string;
  settings: Record<string, unknown>;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
  deletedAt: string | null;
  purgeAfter: string | null;
}

/** Who a tenant is, for answers that name other tenants (the platform's resource views). */
export interface TenantSummary {
  id: string;
  subdomain: string;
  companyName: string;
}

export interface NewTenant {
  subdomain: string;
  companyName: string;
  type: string;
  tier: string;
}

export interface TenantPatch {
  companyName?: string;
  tier?: string;
  type?: string;
  metadata?: Record<string, unknown>;
}

export interface TenantFilter {
  status?: string;
  tier?: string;
  type?: string;
  /** case-insensitive search in company name and subdomain */
  q?: string;
  sort?: TenantSort;
  page: number;
  limit: number;
}

const iso = (v: Date | null): string | null => (v === null ? null : new Date(v).toISOString());

export function tenantView(t: TenantEntity): TenantView {
  return {
    id: t.id,
    subdomain: t.subdomain,
    companyName: t.companyName,
    type: t.type,
    tier: t.tier,
    status: t.status,
    settings: t.settings ?? {},
    metadata: t.metadata ?? {},
    createdAt: iso(t.createdAt)!,
    updatedAt: iso(t.updatedAt)!,
    suspendedAt: iso(t.suspendedAt),
    deletedAt: iso(t.deletedAt),
    purgeAfter: iso(t.purgeAfter),
  };
}

/** ORDER BY of the listing: [expression, direction], ties broken by id where the key is not unique. */
const SORTS: Record<TenantSort, Array<[string, 'ASC' | 'DESC']>> = {
  createdAt: [['t.created_at', 'ASC'], ['t.id', 'ASC']],
  '-createdAt': [['t.created_at', 'DESC'], ['t.id', 'DESC']],
  updatedAt: [['t.updated_at', 'ASC'], ['t.id', 'ASC']],
  '-updatedAt': [['t.updated_at', 'DESC'], ['t.id', 'DESC']],
  companyName: [['lower(t.company_name)', 'ASC'], ['t.id', 'ASC']],
  '-companyName': [['lower(t.company_name)', 'DESC'], ['t.id', 'DESC']],
  subdomain: [['t.subdomain', 'ASC']],
  '-subdomain': [['t.subdomain', 'DESC']],
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Table `tenants`: the only code that writes it. Tenant-scope methods run through the tenant
 * role's RLS (its own row only); platform-scope methods in the request's platform transaction.
 * Row locks are plain SQL: TypeORM's setLock needs a transaction TypeORM began itself, and the
 * session's BEGIN is its own (db-session.ts).
 */
@Injectable()
export class TenantRepository {
  constructor(private readonly sessions: DatabaseSessions) {}

  /**
   * Looks a tenant up by id or subdomain before any tenant context exists, through the one
   * SECURITY DEFINER function that returns only what resolution needs. The only query that
   * runs outside a tenant transaction; it can reveal nothing but the resolved tenant itself.
   */
  async resolve(key: string): Promise<ResolvedTenant | null> {
    const rows: ResolvedTenant[] = await this.sessions.tenantDataSource.query(
      'SELECT id, subdomain, status, type, tier FROM app.resolve_tenant($1)',
      [key],
    );
    return rows[0] ?? null;
  }

  // --- tenant scope ---

  /** The current tenant's row, as RLS lets the tenant role see it. */
  async findCurrent(): Promise<TenantView | null> {
    const em = await requestContext.tenantManager();
    const row = await em.getRepository(TenantEntity).createQueryBuilder('t')
      .where('t.id = app.current_tenant_id()')
      .getOne();
    return row ? tenantView(row) : null;
  }

  /** id, subdomain and company name of each of `ids` that exists (any status). */
  async summaries(ids: string[]): Promise<TenantSummary[]> {
    if (ids.length === 0) return [];
    const em = await requestContext.platformManager();
    const rows = await em.getRepository(TenantEntity).find({
      select: { id: true, subdomain: true, companyName: true },
      where: { id: In(ids) },
    });
    return rows.map((t) => ({ id: t.id, subdomain: t.subdomain, companyName: t.companyName }));
  }

  /** Current settings, row locked so concurrent merges do not lose each other's keys. */
  async lockCurrentSettings(): Promise<Record<string, unknown> | null> {
    const em = await requestContext.tenantManager();
    // FOR UPDATE (see the class comment)
    const rows = await em.query('SELECT settings FROM tenants WHERE id = app.current_tenant_id() FOR UPDATE');
    return rows[0]?.settings ?? null;
  }

  async writeCurrentSettings(settings: Record<string, unknown>): Promise<TenantView> {
    const em = await requestContext.tenantManager();
    await em.createQueryBuilder().update(TenantEntity)
      .set({ settings: settings as TenantEntity['settings'], updatedAt: () => 'now()' })
      .where('id = app.current_tenant_id()')
      .execute();
    return (await this.findCurrent())!;
  }

  // --- platform scope ---

  async list(q: TenantFilter): Promise<{ items: TenantView[]; total: number }> {
    const em = await requestContext.platformManager();
    const qb = em.getRepository(TenantEntity).createQueryBuilder('t');
    if (q.status) qb.andWhere('t.status = :status', { status: q.status });
    if (q.tier) qb.andWhere('t.tier = :tier', { tier: q.tier });
    if (q.type) qb.andWhere('t.type = :type', { type: q.type });
    if (q.q) {
      qb.andWhere(`(t.company_name ILIKE :like ESCAPE '\\' OR t.subdomain ILIKE :like ESCAPE '\\')`, {
        like: `%${escapeLike(q.q)}%`,
      });
    }
    const total = await qb.getCount();
    for (const [expression, direction] of SORTS[q.sort ?? '-createdAt']) qb.addOrderBy(expression, direction);
    const rows = await qb.limit(q.limit).offset((q.page - 1) * q.limit).getMany();
    return { items: rows.map(tenantView), total };
  }

  async findById(id: string): Promise<TenantView | null> {
    const em = await requestContext.platformManager();
    const row = await em.getRepository(TenantEntity).findOneBy({ id });
    return row ? tenantView(row) : null;
  }

  /** Locks the tenant's row for the rest of the transaction (status changes); false when there is none. */
  async lock(id: string): Promise<boolean> {
    const em = await requestContext.platformManager();
    // FOR UPDATE (see the class comment)
    return (await em.query('SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE', [id])).length > 0;
  }

  async subdomainExists(subdomain: string): Promise<boolean> {
    const em = await requestContext.platformManager();
    return em.getRepository(TenantEntity).existsBy({ subdomain });
  }

  /** A new tenant in status `status`; its id. A taken subdomain fails with 23505. */
  async insert(t: NewTenant, status: string): Promise<string> {
    const em = await requestContext.platformManager();
    const result = await em.getRepository(TenantEntity).insert({ ...t, status });
    return result.identifiers[0].id as string;
  }

  /** Inserts unless the subdomain is taken; the id of the new row, or undefined. */
  async insertIfAbsent(t: NewTenant, status: string): Promise<string | undefined> {
    const em = await requestContext.platformManager();
    const result = await em.createQueryBuilder().insert().into(TenantEntity)
      .values({ ...t, status })
      .orIgnore()
      .returning('id')
      .updateEntity(false)
      .execute();
    return (result.raw as Array<{ id: string }>)[0]?.id;
  }

  async idOfSubdomain(subdomain: string): Promise<string | undefined> {
    const em = await requestContext.platformManager();
    return (await em.getRepository(TenantEntity).findOne({ select: { id: true }, where: { subdomain } }))?.id;
  }

  async update(id: string, patch: TenantPatch): Promise<TenantView> {
    const set: Partial<Record<keyof TenantEntity, unknown>> = {};
    if (patch.companyName !== undefined) set.companyName = patch.companyName;
    if (patch.tier !== undefined) set.tier = patch.tier;
    if (patch.type !== undefined) set.type = patch.type;
    if (patch.metadata !== undefined) set.metadata = patch.metadata;
    return this.set(id, set);
  }

  suspend(id: string, reason: string | null): Promise<TenantView> {
    return this.set(id, { status: 'suspended', suspendedAt: () => 'now()', suspendedReason: reason });
  }

  reactivate(id: string): Promise<TenantView> {
    return this.set(id, { status: 'active', suspendedAt: null, suspendedReason: null });
  }

  softDelete(id: string, purgeAfterDays: number): Promise<TenantView> {
    return this.set(
      id,
      { status: 'deleted', deletedAt: () => 'now()', purgeAfter: () => 'now() + make_interval(days => :days)' },
      { days: purgeAfterDays },
    );
  }

  /** Back to what it was before the delete: suspended if it was, else active. */
  restore(id: string): Promise<TenantView> {
    return this.set(id, {
      status: () => `CASE WHEN suspended_at IS NOT NULL THEN 'suspended' ELSE 'active' END`,
      deletedAt: null,
      purgeAfter: null,
    });
  }

  /** purge_after is still in the future (compared on the database clock). */
  async beforePurge(id: string): Promise<boolean> {
    const em = await requestContext.platformManager();
    return em.getRepository(TenantEntity).createQueryBuilder('t')
      .where('t.id = :id AND t.purge_after > now()', { id })
      .getExists();
  }

  /**
   * Adds the default keys the settings lack (existing values are kept); true when it changed.
   * Plain SQL: the jsonb merge and the `?&` test are the point of the statement.
   */
  async ensureDefaultSettings(id: string, defaults: Record<string, unknown>): Promise<boolean> {
    const em = await requestContext.platformManager();
    const result = await em.query(
      `UPDATE tenants SET settings = $2::jsonb || settings, updated_at = now()
        WHERE id = $1 AND NOT (settings ?& $3::text[])`,
      [id, JSON.stringify(defaults), Object.keys(defaults)],
    );
    return affectedOf(result) > 0;
  }

  /** provisioning → active; the tenant when it changed, else null. */
  async activate(id: string): Promise<TenantView | null> {
    const em = await requestContext.platformManager();
    const result = await em.createQueryBuilder().update(TenantEntity)
      .set({ status: 'active', updatedAt: () => 'now()' })
      .where("id = :id AND status = 'provisioning'", { id })
      .execute();
    return result.affected ? this.findById(id) : null;
  }

  /** Ids of deleted tenants past purge_after (of `only`, when given), oldest first. */
  async dueForPurge(limit: number, only?: string[]): Promise<string[]> {
    const em = await requestContext.platformManager();
    const qb = em.getRepository(TenantEntity).createQueryBuilder('t')
      .select('t.id')
      .where("t.status = 'deleted' AND t.purge_after <= now()");
    if (only) qb.andWhere('t.id IN (:...only)', { only: only.length ? only : [null] });
    const rows = await qb.orderBy('t.purge_after').limit(limit).getMany();
    return rows.map((r) => r.id);
  }

  /** Locks a tenant that is still due; null when it is not (restored meanwhile, or another instance has it). */
  async lockDueForPurge(id: string): Promise<{ id: string; subdomain: string } | null> {
    const em = await requestContext.platformManager();
    // FOR UPDATE SKIP LOCKED (see the class comment)
    const rows = await em.query(
      `SELECT id, subdomain FROM tenants WHERE id = $1 AND status = 'deleted' AND purge_after <= now()
        FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return rows[0] ?? null;
  }

  async delete(id: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.getRepository(TenantEntity).delete({ id });
  }

  private async set(id: string, values: Record<string, unknown>, params: Record<string, unknown> = {}): Promise<TenantView> {
    const em = await requestContext.platformManager();
    await em.createQueryBuilder().update(TenantEntity)
      .set({ ...values, updatedAt: () => 'now()' })
      .where('id = :id', { id })
      .setParameters(params)
      .execute();
    return (await this.findById(id))!;
  }
}
