import { seedSharing } from '../seed-sharing.js';
import { withClient } from './database.js';
import { seedUsers, type SeededTenant } from './seed.js';
import type { BenchContext } from './types.js';

export interface ResourceDataset {
  /** which generator filled the tables */
  generator: 'bench/seed-sharing.ts';
  tenants: SeededTenant[];
  sharing: { global: number; selective: number; shares: number; platformTenantIds: string[] };
  total: number;
  /** sampled tenants with some of their resource ids (for lookups) */
  sample: { tenantId: string; ids: string[] }[];
}

/**
 * The sharing dataset of the main database (bench/seed-sharing.ts: tenants, ordinary, global and
 * selective resources, shares), a user per tenant, and a sample of ordinary tenants with some of
 * their resource ids. Made once per run.
 */
export function resourceDataset(ctx: BenchContext): Promise<ResourceDataset> {
  return ctx.memo('resources', async () => {
    const db = ctx.cluster.main;
    const t0 = Date.now();
    const quick = ctx.opts.quick;
    const result = await withClient(db.adminUrl, (c) =>
      seedSharing(c, {
        tenants: ctx.opts.tenants,
        resources: ctx.opts.tenants * ctx.opts.resourcesPerTenant,
        global: quick ? 200 : 1_000,
        shares: quick ? 10_000 : 50_000,
        prefix: 'bench',
        analyze: true,
      }),
    );
    const ids: string[] = result.tenantIds;
    const users = await seedUsers(db, ids);
    const tenants: SeededTenant[] = ids.map((id, n) => ({ id, subdomain: `bench-${n}`, userId: users.get(id)! }));
    ctx.log(`seed-sharing: ${JSON.stringify(result.counts)} in ${result.ms} ms (+ users, ${Date.now() - t0} ms in all)`);
    // Tenants that own private resources only and are no platform tenants: the "small tenant".
    const picked = ids.slice(result.platformTenantIds.length).sort(() => Math.random() - 0.5).slice(0, 500);
    const rows = await withClient(db.adminUrl, async (c) => {
      const r = await c.query<{ tenant_id: string; ids: string[] }>(
        `SELECT t AS tenant_id, (SELECT array_agg(id) FROM (SELECT id FROM resources r WHERE r.tenant_id = t ORDER BY random() LIMIT 10) s) AS ids
           FROM unnest($1::uuid[]) t`,
        [picked],
      );
      return r.rows;
    });
    return {
      generator: 'bench/seed-sharing.ts' as const,
      tenants,
      total: result.counts.resources,
      sharing: { ...result.counts, platformTenantIds: result.platformTenantIds },
      sample: rows.map((r) => ({ tenantId: r.tenant_id, ids: r.ids })),
    };
  });
}
