// Before/after figures for the owner-status rule (a resource of a tenant that is not active is
// visible to no other tenant, 0024): on a throwaway embedded Postgres with the sharing dataset,
// EXPLAIN (ANALYZE, BUFFERS) of the lookup by id (the service's own statement) and of the
// listing's body (scope=all and shared, generic plan as the cached function runs it), then median
// round trips over 100 tenants.
//   npm run build && node dist/bench/explain-owner-status.js [--migrations=<dir>] [--full]
// --migrations runs another set of migrations (e.g. main's, extracted with `git archive`) for
// the "before" figures. Default data: 2,000 tenants, 100,000 resources, 200 global, 10,000 shares.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/app-config.js';
import { prepareDatabase } from '../src/database/prepare-database.js';
import { seedSharing } from './seed-sharing.js';
import { benchContextKey, signedPlatform, signedTenant } from './lib/context.js';

const full = process.argv.includes('--full');
const migrationsDir = process.argv.find((a) => a.startsWith('--migrations='))?.slice('--migrations='.length);
const dataDir = mkdtempSync(join(tmpdir(), 'explain-owner-status-'));
chmodSync(dataDir, 0o755); // the embedded server runs as the postgres user when we are root
const db = await prepareDatabase(loadConfig({ ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir }), {
  persistent: false, migrationsDir,
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// the service's lookup as it was when 0024 landed (sharing.repository.ts findVisible), with its grantee sub-select
const LOOKUP = `SELECT v.tenant_id, v.id, v.kind, v.name, v.content, v.sharing_mode, v.created_at, v.updated_at,
  v.tenant_id = (SELECT app.current_tenant_id()) AS owned,
  CASE WHEN v.tenant_id = (SELECT app.current_tenant_id()) AND v.sharing_mode = 'selective'
       THEN ARRAY(SELECT s.grantee_tenant_id FROM resource_shares s
                   WHERE s.tenant_id = v.tenant_id AND s.resource_id = v.id ORDER BY s.grantee_tenant_id)
  END AS grantees
  FROM (SELECT r.tenant_id, r.id, r.kind, r.name, r.content, r.sharing_mode, r.created_at, r.updated_at
          FROM resources r WHERE r.id = $1) v
 ORDER BY (v.tenant_id = (SELECT app.current_tenant_id())) DESC LIMIT 1`;
try {
  const admin = new pg.Client({ connectionString: db.superuserUrl ?? db.ownerUrl });
  await admin.connect();
  const seeded = await seedSharing(admin, {
    tenants: full ? 10_000 : 2_000, resources: full ? 1_000_000 : 100_000,
    global: full ? 1_000 : 200, shares: full ? 50_000 : 10_000, prefix: 'bench',
  });
  const body: string = (await admin.query(
    `SELECT prosrc FROM pg_proc WHERE oid = 'app.list_visible_resources(text, text, int, int)'::regprocedure`)).rows[0].prosrc;
  const readers = seeded.tenantIds.slice(seeded.platformTenantIds.length, seeded.platformTenantIds.length + 100);
  // for each reader: one global resource of another tenant, one selective resource shared with it
  const { rows: targets } = await admin.query<{ reader: string; global_id: string; shared_id: string; own_id: string }>(
    `SELECT t AS reader,
            (SELECT id FROM resources WHERE sharing_mode = 'global' ORDER BY created_at DESC OFFSET (n % 50) LIMIT 1) AS global_id,
            (SELECT resource_id FROM resource_shares WHERE grantee_tenant_id = t LIMIT 1) AS shared_id,
            (SELECT id FROM resources WHERE tenant_id = t LIMIT 1) AS own_id
       FROM unnest($1::uuid[]) WITH ORDINALITY u(t, n)`,
    [readers],
  );
  await admin.end();
  console.log(`seeded ${JSON.stringify(seeded.counts)} in ${seeded.ms} ms; migrations: ${migrationsDir ?? 'this tree'}`);

  const key = await benchContextKey(db.ownerUrl);
  const app = new pg.Client({ connectionString: db.tenantUrl });
  await app.connect();
  const inTenant = async <T>(tenant: string, fn: () => Promise<T>): Promise<T> => {
    await app.query('BEGIN');
    try {
      await app.query("SELECT set_config('app.current_tenant_id', $1, true)", [signedTenant(key, tenant)]);
      return await fn();
    } finally {
      await app.query('COMMIT');
    }
  };
  // Run 20 times (the machine may be busy): print the last plan and the fastest execution.
  const explain = async (title: string, tenant: string, sql: string, mode = 'force_generic_plan') => {
    let plan: { 'QUERY PLAN': string }[] = [];
    const execs: number[] = [];
    for (let i = 0; i < 20; i++) {
      plan = await inTenant(tenant, async () => {
        await app.query(`SET LOCAL plan_cache_mode = ${mode}`);
        return (await app.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`)).rows;
      });
      const line = plan.map((r) => r['QUERY PLAN']).find((l) => l.startsWith('Execution Time'));
      execs.push(Number(/([\d.]+) ms/.exec(line ?? '')?.[1]));
    }
    console.log(`--- ${title} (${mode})\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
    console.log(`=== ${title}: execution min ${Math.min(...execs).toFixed(3)} ms, median ${median(execs).toFixed(3)} ms over ${execs.length} runs`);
  };
  const t0 = targets.find((t) => t.shared_id)!;
  await app.query(`PREPARE lookup(uuid) AS ${LOOKUP}`);
  await app.query(`PREPARE listing(text, text, int, int) AS ${body}`);
  await explain('lookup by id, another tenant\'s global resource', t0.reader, `EXECUTE lookup('${t0.global_id}')`);
  await explain('lookup by id, a selective resource shared with me', t0.reader, `EXECUTE lookup('${t0.shared_id}')`);
  await explain('listing scope=all', t0.reader, `EXECUTE listing('all', NULL, 20, 0)`);
  await explain('listing scope=shared', t0.reader, `EXECUTE listing('shared', NULL, 20, 0)`);

  const time = async (label: string, run: (t: (typeof targets)[number]) => Promise<unknown>) => {
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const t of targets) {
        const s = process.hrtime.bigint();
        await inTenant(t.reader, () => run(t));
        times.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
    }
    console.log(`${label}: median ${median(times).toFixed(3)} ms per round trip (BEGIN, set_config, query, COMMIT; ${times.length} runs)`);
  };
  await time('lookup by id, global of another tenant', (t) => app.query(LOOKUP, [t.global_id]));
  await time('lookup by id, selective shared with me', (t) => app.query(LOOKUP, [t.shared_id ?? t.global_id]));
  await time('lookup by id, own', (t) => app.query(LOOKUP, [t.own_id]));
  for (const scope of ['all', 'shared', 'own']) {
    await time(`listing scope=${scope}`, () => app.query('SELECT * FROM app.list_visible_resources($1, NULL, 20, 0)', [scope]));
  }
  await app.end();

  // The write side of 0024: a status change rewrites owner_active on the tenant's resources
  // (the foreign key's cascade). Timed for an ordinary tenant and for one grown to 50,000 rows.
  const owner = new pg.Client({ connectionString: db.superuserUrl ?? db.ownerUrl });
  await owner.connect();
  const hasFlag = (await owner.query(
    `SELECT 1 FROM pg_attribute WHERE attrelid = 'resources'::regclass AND attname = 'owner_active'`)).rowCount === 1;
  const platformTx = async (sql: string, params: unknown[]) => {
    await owner.query('BEGIN');
    await owner.query('SET LOCAL ROLE tenancy_platform');
    await owner.query("SELECT set_config('app.scope', $1, true)", [signedPlatform(key)]);
    const s = process.hrtime.bigint();
    const res = await owner.query(sql, params);
    await owner.query('COMMIT');
    return { ms: Number(process.hrtime.bigint() - s) / 1e6, rows: res.rowCount };
  };
  const big = readers[readers.length - 1];
  await platformTx(
    `INSERT INTO resources (tenant_id, kind, name, created_at)
     SELECT $1, 'agent', 'bulk ' || g, now() - g * interval '1 second' FROM generate_series(1, 50000) g`, [big]);
  for (const [label, tenant] of [['a tenant with ~50 resources', readers[1]], ['a tenant with ~50,050 resources', big]] as const) {
    const n = (await owner.query('SELECT count(*)::int AS n FROM resources WHERE tenant_id = $1', [tenant])).rows[0].n;
    const suspend = await platformTx(`UPDATE tenants SET status = 'suspended' WHERE id = $1`, [tenant]);
    const reactivate = await platformTx(`UPDATE tenants SET status = 'active' WHERE id = $1`, [tenant]);
    console.log(`status change of ${label} (${n} rows${hasFlag ? ', owner_active rewritten' : ''}): ` +
      `suspend ${suspend.ms.toFixed(1)} ms, reactivate ${reactivate.ms.toFixed(1)} ms`);
  }
  await owner.end();
} finally {
  await db.embedded?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
