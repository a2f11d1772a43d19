import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
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

export const TENANT_COLUMNS = `id, subdomain, company_name, type, tier, status, settings, metadata,
  created_at, updated_at, suspended_at, deleted_at, purge_after`;

const iso = (v: Date | string | null): string | null =>
  v === null ? null : new Date(v).toISOString();

export function tenantFromRow(row: Record<string, any>): TenantView {
  return {
    id: row.id,
    subdomain: row.subdomain,
    companyName: row.company_name,
    type: row.type,
    tier: row.tier,
    status: row.status,
    settings: row.settings ?? {},
    metadata: row.metadata ?? {},
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    suspendedAt: iso(row.suspended_at),
    deletedAt: iso(row.deleted_at),
    purgeAfter: iso(row.purge_after),
  };
}

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

  /** The current tenant's row, as RLS lets the tenant role see it. */
  async findCurrent(): Promise<TenantView | null> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(`SELECT ${TENANT_COLUMNS} FROM tenants`);
    return rows[0] ? tenantFromRow(rows[0]) : null;
  }
}
