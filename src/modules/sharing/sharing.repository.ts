import { Injectable } from '@nestjs/common';
import { NoDatabaseContextError, requestContext } from '../../common/request-context.js';
import { rowsOf } from '../../database/query-rows.js';
import { ResourceShareEntity } from './entities/resource-share.entity.js';
import { ResourceEntity } from './entities/resource.entity.js';

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

// Evaluated by Postgres: the owner is the transaction's tenant, never a client's value.
const CURRENT_TENANT = () => 'app.current_tenant_id()';
const NOW = () => 'now()';
/**
 * One resource by id if visible to the current tenant: the policies decide which rows it sees.
 * $2 is the request's tenant, the one its signed context names, used only to tell the caller's
 * own row from the others (`owned`, and whether the grantee list is read): a wrong $2 could not
 * show a row the policies hide. Reading app.current_tenant_id() here instead would verify the
 * signed context a second time (each `(SELECT app.current_tenant_id())` is an init-plan of its
 * own), and ordering own-first in SQL would add a sort to every lookup; should ids ever collide
 * across tenants, findVisible picks the own row. The grantee list is read only for the owner's
 * own selective rows; RLS would show a grantee its own share row, and the API must not.
 */
export const FIND_VISIBLE_SQL = `SELECT v.tenant_id, v.id, v.kind, v.name, v.content, v.sharing_mode, v.created_at, v.updated_at,
  v.tenant_id = $2::uuid AS owned,
  CASE WHEN v.tenant_id = $2::uuid AND v.sharing_mode = 'selective'
       THEN ARRAY(SELECT s.grantee_tenant_id FROM resource_shares s
                   WHERE s.tenant_id = v.tenant_id AND s.resource_id = v.id ORDER BY s.grantee_tenant_id)
  END AS grantees
  FROM resources v
 WHERE v.id = $1`;

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

  /** The resource if it is visible to the current tenant (its own first, should ids ever collide). */
  async findVisible(id: string): Promise<ResourceView | null> {
    const em = await requestContext.tenantManager();
    const tenantId = requestContext.get()?.tenantId;
    if (!tenantId) throw new NoDatabaseContextError('tenant');
    const rows: Array<Record<string, any>> = await em.query(FIND_VISIBLE_SQL, [id, tenantId]);
    const row = rows.find((r) => r.owned === true) ?? rows[0];
    return row ? resourceFromRow(row) : null;
  }

  /** Inserts a resource of the current tenant (the tenant from the transaction's setting); its id. */
  async insert(r: { kind: string; name: string; content: ResourceEntity['content']; mode: SharingMode }): Promise<string> {
    const em = await requestContext.tenantManager();
    const result = await em
      .createQueryBuilder()
      .insert()
      .into(ResourceEntity)
      .values({ tenantId: CURRENT_TENANT, kind: r.kind, name: r.name, content: r.content, sharingMode: r.mode })
      .returning(['id'])
      .updateEntity(false)
      .execute();
    return (result.raw as { id: string }[])[0].id;
  }

  // Writes carry no tenant filter: the owner-only policies make them touch 0 rows of anything the
  // current tenant does not own.

  /** Name and/or content; the number of rows changed. */
  async update(id: string, patch: { name?: string; content?: Record<string, unknown> }): Promise<number> {
    const em = await requestContext.tenantManager();
    const set: Pick<Partial<ResourceEntity>, 'name' | 'content'> = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.content !== undefined) set.content = patch.content;
    const result = await em.getRepository(ResourceEntity).update({ id }, { ...set, updatedAt: NOW });
    return result.affected ?? 0;
  }

  async setMode(id: string, mode: SharingMode): Promise<number> {
    const em = await requestContext.tenantManager();
    const result = await em.getRepository(ResourceEntity).update({ id }, { sharingMode: mode, updatedAt: NOW });
    return result.affected ?? 0;
  }

  /** Makes the grantees of a resource exactly `grantees` (removed ones lose it at once). */
  async replaceShares(id: string, grantees: string[]): Promise<void> {
    const em = await requestContext.tenantManager();
    const stale = em.createQueryBuilder().delete().from(ResourceShareEntity).where('resource_id = :id', { id });
    if (grantees.length > 0) stale.andWhere('NOT (grantee_tenant_id = ANY(:grantees))', { grantees });
    await stale.execute();
    if (grantees.length === 0) return;
    await em
      .createQueryBuilder()
      .insert()
      .into(ResourceShareEntity)
      .values(grantees.map((granteeTenantId) => ({ tenantId: CURRENT_TENANT, resourceId: id, granteeTenantId })))
      .orIgnore()
      .updateEntity(false)
      .execute();
  }

  async delete(id: string): Promise<number> {
    const em = await requestContext.tenantManager();
    const result = await em.getRepository(ResourceEntity).delete({ id });
    return result.affected ?? 0;
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
