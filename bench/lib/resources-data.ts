import type { BenchDatabase } from './database.js';
import { withClient } from './database.js';
import { platformTx, seedTenants, seedUsers, tableExists, type SeededTenant } from './seed.js';
import type { BenchContext } from './types.js';

export interface ResourceDataset {
  /** where the table came from */
  source: 'migrations' | 'harness fallback';
  /** which generator filled it */
  generator: 'bench/seed-sharing.ts' | 'harness (private resources only)';
  tenants: SeededTenant[];
  sharing?: { global: number; selective: number; shares: number; platformTenantIds: string[] };
  total: number;
  /** sampled tenants with some of their resource ids (for lookups) */
  sample: { tenantId: string; ids: string[] }[];
}

// Only for a database whose migrations have not created `resources` yet (the sharing work is
// not on main): the documented SQL surface, built with the house policy pattern, in the
// harness's throwaway database only. Never a migration.
const FALLBACK_DDL = `
CREATE TABLE resources (
  tenant_id    uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  kind         text NOT NULL,
  name         text NOT NULL,
  content      jsonb NOT NULL DEFAULT '{}'::jsonb,
  sharing_mode text NOT NULL DEFAULT 'private',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX resources_tenant_created_idx ON resources (tenant_id, created_at DESC, id DESC);
ALTER TABLE resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE resources FORCE ROW LEVEL SECURITY;
CREATE POLICY resources_tenant_isolation ON resources AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id())) WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY resources_tenant_access ON resources FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id())) WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
CREATE POLICY resources_platform_access ON resources FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform())) WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON resources FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON resources TO tenancy_app, tenancy_platform;
`;

const KNOWN = new Set(['tenant_id', 'id', 'kind', 'name', 'content', 'sharing_mode', 'created_at', 'updated_at']);

/**
 * `perTenant` private resources for each seeded tenant of the main database, written as the
 * platform runtime role. Uses the migrations' `resources` table when it exists.
 */
export function resourceDataset(ctx: BenchContext): Promise<ResourceDataset> {
  return ctx.memo('resources', async () => {
    const db = ctx.cluster.main;
    const viaSharing = await sharingSeed(ctx);
    if (viaSharing) return viaSharing;
    const tenants = await seedTenants(db, { count: ctx.opts.tenants, prefix: 'bench' });
    let source: ResourceDataset['source'] = 'migrations';
    if (!(await tableExists(db, 'resources'))) {
      source = 'harness fallback';
      await withClient(db.ownerUrl, (c) => c.query(FALLBACK_DDL));
      ctx.log('resources table not created by migrations: created the documented fallback in the bench database');
    }
    const { contentType, unknownRequired } = await describe(db);
    if (unknownRequired.length > 0) {
      throw new Error(`resources has required columns the generator does not know: ${unknownRequired.join(', ')}`);
    }
    const content =
      contentType === 'jsonb' || contentType === 'json'
        ? `jsonb_build_object('text', repeat('lorem ipsum ', 8), 'n', g)`
        : `repeat('lorem ipsum ', 8) || g`;
    const per = ctx.opts.resourcesPerTenant;
    const t0 = Date.now();
    const batch = 1_000;
    for (let i = 0; i < tenants.length; i += batch) {
      const ids = tenants.slice(i, i + batch).map((t) => t.id);
      await platformTx(db, (c) =>
        c.query(
          `INSERT INTO resources (tenant_id, kind, name, content, sharing_mode, created_at)
           SELECT t, (ARRAY['agent','tool','prompt','workflow','knowledge_source'])[1 + g % 5],
                  'Resource ' || g, ${content}, 'private', now() - g * interval '1 minute'
             FROM unnest($1::uuid[]) t CROSS JOIN generate_series(1, $2::int) g`,
          [ids, per],
        ),
      );
    }
    await withClient(db.adminUrl, (c) => c.query('VACUUM ANALYZE resources'));
    const total = tenants.length * per;
    ctx.log(`generated ${total} resources (${source} table) in ${Date.now() - t0} ms`);

    const picked = [...tenants].sort(() => Math.random() - 0.5).slice(0, 500).map((t) => t.id);
    const rows = await withClient(db.adminUrl, async (c) => {
      const r = await c.query<{ tenant_id: string; ids: string[] }>(
        `SELECT t AS tenant_id, (SELECT array_agg(id) FROM (SELECT id FROM resources r WHERE r.tenant_id = t ORDER BY random() LIMIT 10) s) AS ids
           FROM unnest($1::uuid[]) t`,
        [picked],
      );
      return r.rows;
    });
    return {
      source,
      generator: 'harness (private resources only)' as const,
      tenants,
      total,
      sample: rows.map((r) => ({ tenantId: r.tenant_id, ids: r.ids })),
    };
  });
}

/** The sharing work's own generator (bench/seed-sharing.ts), once it is on main. */
async function sharingSeed(ctx: BenchContext): Promise<ResourceDataset | undefined> {
  const db = ctx.cluster.main;
  if (!(await tableExists(db, 'resources')) || !(await tableExists(db, 'resource_shares'))) return undefined;
  let mod: { seedSharing?: (c: unknown, o: Record<string, unknown>) => Promise<any> };
  try {
    const path = '../seed-sharing.js'; // not a static import: it lands with the sharing work
    mod = await import(path);
  } catch {
    return undefined;
  }
  if (typeof mod.seedSharing !== 'function') return undefined;
  const t0 = Date.now();
  const quick = ctx.opts.quick;
  const result = await withClient(db.adminUrl, (c) =>
    mod.seedSharing!(c, {
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
    source: 'migrations',
    generator: 'bench/seed-sharing.ts',
    tenants,
    total: result.counts.resources,
    sharing: { ...result.counts, platformTenantIds: result.platformTenantIds },
    sample: rows.map((r) => ({ tenantId: r.tenant_id, ids: r.ids })),
  };
}

async function describe(db: BenchDatabase) {
  return withClient(db.adminUrl, async (c) => {
    const { rows } = await c.query<{ column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name = 'resources'`,
    );
    return {
      contentType: rows.find((r) => r.column_name === 'content')?.data_type,
      unknownRequired: rows
        .filter((r) => r.is_nullable === 'NO' && r.column_default === null && !KNOWN.has(r.column_name))
        .map((r) => r.column_name),
    };
  });
}
