import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { affectedOf, rowsOf } from '../../database/query-rows.js';

export type SharingMode = 'private' | 'global' | 'selective';
export type ListScope = 'own' | 'shared' | 'all';

/** A resource as a tenant sees it; `sharing.tenants` only for the owner of a selective resource. */
export interface ResourceView {
  id: string;
  ownerTenantId: string;
  owned: boolean;
  kind: string;
  name: string;
  content: Record<string, unknown>;
  sharing: { mode: SharingMode; tenants?: string[] };
  createdAt: string;
  updatedAt: string;
}

const ME = '(SELECT app.current_tenant_id())';
const COLS = 'r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at';
// The grantee list is read only for the owner's own selective rows; RLS would show a grantee its
// own share row, and the API must not.
const VIEW_COLS = `v.tenant_id, v.id, v.kind, v.name, v.content, v.sharing_mode, v.created_at, v.updated_at,
  v.tenant_id = ${ME} AS owned,
  CASE WHEN v.tenant_id = ${ME} AND v.sharing_mode = 'selective'
       THEN ARRAY(SELECT s.grantee_tenant_id FROM resource_shares s
                   WHERE s.tenant_id = v.tenant_id AND s.resource_id = v.id ORDER BY s.grantee_tenant_id)
  END AS grantees`;

/** A row (resource columns + `owned` + `grantees`) as the API shows it. */
export function resourceFromRow(row: Record<string, any>): ResourceView {
  const sharing: ResourceView['sharing'] = { mode: row.sharing_mode };
  if (row.owned && row.sharing_mode === 'selective') sharing.tenants = row.grantees ?? [];
  return {
    id: row.id,
    ownerTenantId: row.tenant_id,
    owned: row.owned === true,
    kind: row.kind,
    name: row.name,
    content: row.content,
    sharing,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Resources and shares through the tenant role's RLS: the policies decide every row. */
@Injectable()
export class SharingRepository {
  /**
   * One page of what the current tenant may see, and the total: app.list_visible_resources
   * (0020_sharing.sql), a SECURITY INVOKER function, so the policies still decide every row.
   */
  async list(q: { scope: ListScope; kind?: string; page: number; limit: number }): Promise<{ items: ResourceView[]; total: number }> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      // columns named, so the statement is prepared (prepared-statements.ts skips `SELECT *`)
      `SELECT tenant_id, id, kind, name, content, sharing_mode, created_at, updated_at, owned, grantees, total
         FROM app.list_visible_resources($1, $2, $3, $4)`,
      [q.scope, q.kind ?? null, q.limit, (q.page - 1) * q.limit],
    );
    return { items: rows.filter((r: { id: string | null }) => r.id !== null).map(resourceFromRow), total: rows[0]?.total ?? 0 };
  }

  /** The resource if it is visible to the current tenant (own first should ids ever collide). */
  async findVisible(id: string): Promise<ResourceView | null> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      `SELECT ${VIEW_COLS} FROM (SELECT ${COLS} FROM resources r WHERE r.id = $1) v
        ORDER BY (v.tenant_id = ${ME}) DESC LIMIT 1`,
      [id],
    );
    return rows[0] ? resourceFromRow(rows[0]) : null;
  }

  async currentTenantType(): Promise<string | null> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(`SELECT type FROM tenants WHERE id = ${ME}`);
    return rows[0]?.type ?? null;
  }

  async insert(r: { kind: string; name: string; content: Record<string, unknown>; mode: SharingMode }): Promise<string> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      `INSERT INTO resources (tenant_id, kind, name, content, sharing_mode)
       VALUES (${ME}, $1, $2, $3::jsonb, $4) RETURNING id`,
      [r.kind, r.name, JSON.stringify(r.content), r.mode],
    );
    return rows[0].id;
  }

  // Writes carry no tenant filter: the owner-only policies make them touch 0 rows of anything the
  // current tenant does not own.

  /** Name and/or content; the number of rows changed. */
  async update(id: string, patch: { name?: string; content?: Record<string, unknown> }): Promise<number> {
    const em = await requestContext.tenantManager();
    return affectedOf(await em.query(
      `UPDATE resources SET name = coalesce($2, name), content = coalesce($3::jsonb, content), updated_at = now()
        WHERE id = $1`,
      [id, patch.name ?? null, patch.content === undefined ? null : JSON.stringify(patch.content)],
    ));
  }

  async setMode(id: string, mode: SharingMode): Promise<number> {
    const em = await requestContext.tenantManager();
    return affectedOf(await em.query(
      `UPDATE resources SET sharing_mode = $2, updated_at = now() WHERE id = $1`,
      [id, mode],
    ));
  }

  /** Makes the grantees of a resource exactly `grantees` (removed ones lose it at once). */
  async replaceShares(id: string, grantees: string[]): Promise<void> {
    const em = await requestContext.tenantManager();
    await em.query(
      `DELETE FROM resource_shares WHERE resource_id = $1
          AND NOT (grantee_tenant_id = ANY($2::uuid[]))`,
      [id, grantees],
    );
    if (grantees.length === 0) return;
    await em.query(
      `INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id)
       SELECT ${ME}, $1, g FROM unnest($2::uuid[]) g
       ON CONFLICT DO NOTHING`,
      [id, grantees],
    );
  }

  async delete(id: string): Promise<number> {
    const em = await requestContext.tenantManager();
    return affectedOf(await em.query(`DELETE FROM resources WHERE id = $1`, [id]));
  }

  /**
   * Resolves tenant ids or subdomains through the registry's one SECURITY DEFINER lookup
   * (app.resolve_tenant); a deleted tenant counts as unknown. Key → id, or null.
   */
  async resolveTenants(keys: string[]): Promise<Map<string, string | null>> {
    const em = await requestContext.tenantManager();
    const rows = rowsOf<{ key: string; id: string | null }>(await em.query(
      `SELECT k.key, t.id FROM unnest($1::text[]) k(key)
         LEFT JOIN LATERAL (SELECT id FROM app.resolve_tenant(k.key) WHERE status <> 'deleted') t ON true`,
      [keys],
    ));
    return new Map(rows.map((r) => [r.key, r.id]));
  }
}
