import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { requestContext } from '../../common/request-context.js';
import { rowsOf } from '../../database/query-rows.js';
import { ResourceShareEntity } from './entities/resource-share.entity.js';
import { ResourceEntity } from './entities/resource.entity.js';
import type { SharingMode } from './sharing.repository.js';

export interface AdminResourceFilter {
  ownerTenantId?: string;
  mode?: SharingMode;
  kind?: string;
  q?: string;
  page: number;
  limit: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Resources and shares of every tenant through the platform role's RLS in platform scope
 * (0031_platform_shared_resources.sql): the policies admit only resources that are not private
 * and their share rows, so nothing here filters on the sharing mode.
 */
@Injectable()
export class AdminResourcesRepository {
  /** One page of shared resources, newest first, and the total. */
  async page(f: AdminResourceFilter): Promise<{ rows: ResourceEntity[]; total: number }> {
    const em = await requestContext.platformManager();
    const qb = em.getRepository(ResourceEntity).createQueryBuilder('r');
    if (f.ownerTenantId) qb.andWhere('r.tenant_id = :owner', { owner: f.ownerTenantId });
    if (f.mode) qb.andWhere('r.sharing_mode = :mode', { mode: f.mode });
    if (f.kind) qb.andWhere('r.kind = :kind', { kind: f.kind });
    if (f.q) qb.andWhere(`r.name ILIKE :like ESCAPE '\\'`, { like: `%${escapeLike(f.q)}%` });
    const total = await qb.getCount();
    const rows = await qb
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(f.limit)
      .offset((f.page - 1) * f.limit)
      .getMany();
    return { rows, total };
  }

  /** The shared resource with this id, or null (unknown or private). */
  async find(id: string): Promise<ResourceEntity | null> {
    const em = await requestContext.platformManager();
    return em.getRepository(ResourceEntity).findOneBy({ id });
  }

  /**
   * The shared resource with this id, its row locked to the end of the transaction, so that the
   * owner cannot change its sharing between the platform's read and write; null when not there.
   */
  async findForUpdate(id: string): Promise<ResourceEntity | null> {
    const em = await requestContext.platformManager();
    // FOR UPDATE in the request's transaction, which TypeORM did not begin
    const locked = await em.query('SELECT 1 FROM resources WHERE id = $1 FOR UPDATE', [id]);
    return locked.length > 0 ? this.find(id) : null;
  }

  /** A tenant's shared resources, newest first. */
  async grantedBy(tenantId: string): Promise<ResourceEntity[]> {
    const em = await requestContext.platformManager();
    return em.getRepository(ResourceEntity).find({ where: { tenantId }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /**
   * Other tenants' selective resources with a share row naming `tenantId`, of active owners:
   * what the tenant reads beyond its own and the global ones (the tenant read policy's rule).
   */
  async receivedBy(tenantId: string): Promise<ResourceEntity[]> {
    const em = await requestContext.platformManager();
    return em.getRepository(ResourceEntity).createQueryBuilder('r')
      .innerJoin(ResourceShareEntity, 's', 's.tenant_id = r.tenant_id AND s.resource_id = r.id')
      .where('s.grantee_tenant_id = :tenantId', { tenantId })
      .andWhere(`r.sharing_mode = 'selective'`)
      .andWhere('r.owner_active')
      .orderBy('r.created_at', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .getMany();
  }

  /** The grantee ids of each resource, sorted, keyed by resource id. */
  async grantees(resourceIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(resourceIds.map((id) => [id, []]));
    if (resourceIds.length === 0) return out;
    const em = await requestContext.platformManager();
    const shares = await em.getRepository(ResourceShareEntity).find({
      select: { resourceId: true, granteeTenantId: true },
      where: { resourceId: In(resourceIds) },
      order: { granteeTenantId: 'ASC' },
    });
    for (const s of shares) out.get(s.resourceId)?.push(s.granteeTenantId);
    return out;
  }

  /** Deletes the resource's share rows except those of `keep`; how many went. */
  async deleteSharesExcept(tenantId: string, resourceId: string, keep: string[]): Promise<number> {
    const em = await requestContext.platformManager();
    const qb = em.createQueryBuilder().delete().from(ResourceShareEntity)
      .where('tenant_id = :tenantId AND resource_id = :resourceId', { tenantId, resourceId });
    if (keep.length > 0) qb.andWhere('NOT (grantee_tenant_id = ANY(:keep))', { keep });
    return (await qb.execute()).affected ?? 0;
  }

  /** Adds grantees (narrowing a global resource to these tenants); existing rows are kept. */
  async insertShares(tenantId: string, resourceId: string, grantees: string[]): Promise<void> {
    if (grantees.length === 0) return;
    const em = await requestContext.platformManager();
    await em.createQueryBuilder().insert().into(ResourceShareEntity)
      .values(grantees.map((granteeTenantId) => ({ tenantId, resourceId, granteeTenantId })))
      .orIgnore()
      .updateEntity(false)
      .execute();
  }

  /**
   * Writes the sharing mode (and updated_at); the transaction's now(), or null when the row is
   * not there for the platform. Through a cursor because a takedown writes a row the platform
   * may not read: an UPDATE with a WHERE clause must leave a row its read policy admits, while
   * `WHERE CURRENT OF` reads nothing, so only the UPDATE policies judge it (0031).
   */
  async setMode(tenantId: string, resourceId: string, mode: SharingMode): Promise<Date | null> {
    const em = await requestContext.platformManager();
    // A cursor of this transaction: closed here, or with the transaction on any error (an
    // aborted transaction would refuse the CLOSE and hide the first error).
    await em.query(
      `DECLARE admin_resource_sharing CURSOR FOR
         SELECT now() AS now FROM resources r WHERE r.tenant_id = $1 AND r.id = $2 FOR UPDATE`,
      [tenantId, resourceId],
    );
    const [row] = rowsOf<{ now: Date }>(await em.query('FETCH admin_resource_sharing'));
    if (row) {
      await em.query(
        'UPDATE resources SET sharing_mode = $1, updated_at = now() WHERE CURRENT OF admin_resource_sharing',
        [mode],
      );
    }
    await em.query('CLOSE admin_resource_sharing');
    return row?.now ?? null;
  }

  /** Deletes a shared resource (its share rows cascade); the number of rows deleted. */
  async delete(tenantId: string, resourceId: string): Promise<number> {
    const em = await requestContext.platformManager();
    const result = await em.getRepository(ResourceEntity).delete({ tenantId, id: resourceId });
    return result.affected ?? 0;
  }

  /**
   * Resolves tenant ids or subdomains through the registry's lookup (app.resolve_tenant); a
   * deleted tenant counts as unknown. Key → id, or null.
   */
  async resolveTenants(keys: string[]): Promise<Map<string, string | null>> {
    const em = await requestContext.platformManager();
    const rows = rowsOf<{ key: string; id: string | null }>(await em.query(
      `SELECT k.key, t.id FROM unnest($1::text[]) k(key)
         LEFT JOIN LATERAL (SELECT id FROM app.resolve_tenant(k.key)) t ON true`,
      [keys],
    ));
    return new Map(rows.map((r) => [r.key, r.id]));
  }
}
