// The sharing listing (GET /v1/resources → app.list_visible_resources) at the scale, on a
// throwaway embedded Postgres: `npm run build && node dist/bench/explain-sharing.js [--quick]`.
// Prints EXPLAIN ANALYZE of the function's body for one tenant (scope=all), then the median
// round trip of the call as the service makes it (BEGIN, set_config, the call, COMMIT) over
// 100 ordinary tenants, for each scope.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/app-config.js';
import { prepareDatabase } from '../src/database/prepare-database.js';
import { seedSharing } from './seed-sharing.js';
import { benchContextKey, signedTenant } from './lib/context.js';

const quick = process.argv.includes('--quick');
const dataDir = mkdtempSync(join(tmpdir(), 'explain-sharing-'));
chmodSync(dataDir, 0o755); // the embedded server runs as the postgres user when we are root
const db = await prepareDatabase(loadConfig({ ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir }), { persistent: false });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const admin = new pg.Client({ connectionString: db.superuserUrl ?? db.ownerUrl });
  await admin.connect();
  const seeded = await seedSharing(admin, {
    tenants: quick ? 2_000 : 10_000, resources: quick ? 100_000 : 1_000_000,
    global: quick ? 200 : 1_000, shares: quick ? 10_000 : 50_000, prefix: 'bench',
  });
  const body: string = (await admin.query(
    `SELECT prosrc FROM pg_proc WHERE oid = 'app.list_visible_resources(text, text, int, int)'::regprocedure`)).rows[0].prosrc;
  await admin.end();
  console.log(`seeded ${JSON.stringify(seeded.counts)} in ${seeded.ms} ms`);

  const key = await benchContextKey(db.ownerUrl);
  const app = new pg.Client({ connectionString: db.tenantUrl });
  await app.connect();
  const readers = seeded.tenantIds.slice(seeded.platformTenantIds.length, seeded.platformTenantIds.length + 100);
  const inTenant = async <T>(tenant: string, fn: () => Promise<T>): Promise<T> => {
    await app.query('BEGIN');
    try {
      await app.query("SELECT set_config('app.current_tenant_id', $1, true)", [signedTenant(key, tenant)]);
      return await fn();
    } finally {
      await app.query('COMMIT');
    }
  };
  await app.query(`PREPARE listing(text, text, int, int) AS ${body}`);
  for (const mode of ['force_custom_plan', 'force_generic_plan']) {
    const plan = await inTenant(readers[0], async () => {
      await app.query(`SET LOCAL plan_cache_mode = ${mode}`);
      return (await app.query(`EXPLAIN (ANALYZE, BUFFERS) EXECUTE listing('all', NULL, 20, 0)`)).rows;
    });
    console.log(`--- ${mode}\n${plan.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  for (const scope of ['all', 'shared', 'own']) {
    const times: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const t of readers) {
        const t0 = process.hrtime.bigint();
        await inTenant(t, () => app.query('SELECT * FROM app.list_visible_resources($1, NULL, 20, 0)', [scope]));
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    console.log(`scope=${scope}: median ${median(times).toFixed(3)} ms per listing round trip ` +
      `(BEGIN, set_config, page + total, COMMIT; ${times.length} runs over 100 tenants)`);
  }
  await app.end();
} finally {
  await db.embedded?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
