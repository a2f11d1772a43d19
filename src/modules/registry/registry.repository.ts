import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { rowsOf } from '../../database/query-rows.js';
import { TENANT_COLUMNS, tenantFromRow, type TenantView } from '../tenant/tenant.repository.js';
import type { ListTenantsQuery, TenantSort } from './dto/list-tenants.query.js';

const SORT_SQL: Record<TenantSort, string> = {
  createdAt: 'created_at ASC, id ASC',
  '-createdAt': 'created_at DESC, id DESC',
  updatedAt: 'updated_at ASC, id ASC',
  '-updatedAt': 'updated_at DESC, id DESC',
  companyName: 'lower(company_name) ASC, id ASC',
  '-companyName': 'lower(company_name) DESC, id DESC',
  subdomain: 'subdomain ASC',
  '-subdomain': 'subdomain DESC',
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface TenantPatch {
  companyName?: string;
  tier?: string;
  type?: string;
  metadata?: Record<string, unknown>;
}

/** The registry (table tenants) as the platform role sees it: every tenant, in platform scope. */
@Injectable()
export class RegistryRepository {
  async list(q: ListTenantsQuery & { page: number; limit: number }): Promise<{ items: TenantView[]; total: number }> {
    const em = await requestContext.platformManager();
    const where = `($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR tier = $2)
       AND ($3::text IS NULL OR type = $3)
       AND ($4::text IS NULL OR company_name ILIKE $4 ESCAPE '\\' OR subdomain ILIKE $4 ESCAPE '\\')`;
    const params = [q.status ?? null, q.tier ?? null, q.type ?? null, q.q ? `%${escapeLike(q.q)}%` : null];
    const [{ total }] = await em.query(`SELECT count(*)::int AS total FROM tenants WHERE ${where}`, params);
    const rows = await em.query(
      `SELECT ${TENANT_COLUMNS} FROM tenants WHERE ${where}
        ORDER BY ${SORT_SQL[q.sort ?? '-createdAt']} LIMIT $5 OFFSET $6`,
      [...params, q.limit, (q.page - 1) * q.limit],
    );
    return { items: rows.map(tenantFromRow), total };
  }

  /** One tenant, locked for the rest of the transaction when `lock` (status changes). */
  async findById(id: string, lock = false): Promise<TenantView | null> {
    const em = await requestContext.platformManager();
    const rows = await em.query(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ? tenantFromRow(rows[0]) : null;
  }

  async subdomainExists(subdomain: string): Promise<boolean> {
    const em = await requestContext.platformManager();
    const rows = await em.query('SELECT 1 FROM tenants WHERE subdomain = $1', [subdomain]);
    return rows.length > 0;
  }

  async update(id: string, patch: TenantPatch): Promise<TenantView> {
    const em = await requestContext.platformManager();
    const rows = rowsOf(await em.query(
      `UPDATE tenants SET company_name = coalesce($2, company_name), tier = coalesce($3, tier),
              type = coalesce($4, type), metadata = coalesce($5::jsonb, metadata), updated_at = now()
        WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
      [id, patch.companyName ?? null, patch.tier ?? null, patch.type ?? null,
        patch.metadata === undefined ? null : JSON.stringify(patch.metadata)],
    ));
    return tenantFromRow(rows[0]);
  }

  async suspend(id: string, reason: string | null): Promise<TenantView> {
    return this.set(id, `status = 'suspended', suspended_at = now(), suspended_reason = $2`, [reason]);
  }

  async reactivate(id: string): Promise<TenantView> {
    return this.set(id, `status = 'active', suspended_at = NULL, suspended_reason = NULL`);
  }

  async softDelete(id: string, purgeAfterDays: number): Promise<TenantView> {
    return this.set(
      id,
      `status = 'deleted', deleted_at = now(), purge_after = now() + make_interval(days => $2)`,
      [purgeAfterDays],
    );
  }

  /** Back to what it was before the delete: suspended if it was, else active. */
  async restore(id: string): Promise<TenantView> {
    return this.set(
      id,
      `status = CASE WHEN suspended_at IS NOT NULL THEN 'suspended' ELSE 'active' END,
       deleted_at = NULL, purge_after = NULL`,
    );
  }

  /** purge_after is still in the future (compared on the database clock). */
  async beforePurge(id: string): Promise<boolean> {
    const em = await requestContext.platformManager();
    const [row] = await em.query('SELECT purge_after > now() AS ok FROM tenants WHERE id = $1', [id]);
    return row?.ok === true;
  }

  private async set(id: string, assignments: string, extra: unknown[] = []): Promise<TenantView> {
    const em = await requestContext.platformManager();
    const rows = rowsOf(await em.query(
      `UPDATE tenants SET ${assignments}, updated_at = now() WHERE id = $1 RETURNING ${TENANT_COLUMNS}`,
      [id, ...extra],
    ));
    return tenantFromRow(rows[0]);
  }
}
