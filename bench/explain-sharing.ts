// EXPLAIN ANALYZE of the sharing listing (GET /v1/resources) at the scale, on a throwaway
// embedded Postgres: `npm run build && node dist/bench/explain-sharing.js [--quick]`.
// Prints the plan of one scope=all page and the median execution time over 100 tenants.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/app-config.js';
import { prepareDatabase } from '../src/database/prepare-database.js';
import { listCountSql, listPageSql, type ListScope } from '../src/modules/sharing/sharing.repository.js';
import { seedSharing } from './seed-sharing.js';

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
  await admin.end();
  console.log(`seeded ${JSON.stringify(seeded.counts)} in ${seeded.ms} ms`);

  const app = new pg.Client({ connectionString: db.tenantUrl });
  await app.connect();
  const readers = seeded.tenantIds.slice(seeded.platformTenantIds.length, seeded.platformTenantIds.length + 100);
  const explain = async (tenant: string, sql: string, params: unknown[], format: 'JSON' | 'TEXT') => {
    await app.query('BEGIN');
    try {
      await app.query("SELECT set_config('app.current_tenant_id', $1, true)", [tenant]);
      return (await app.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT ${format}) ${sql}`, params)).rows;
    } finally {
      await app.query('ROLLBACK');
    }
  };
  const plan = await explain(readers[0], listPageSql('all', false), [20, 20, 0], 'TEXT');
  console.log(plan.map((r) => r['QUERY PLAN']).join('\n'));
  for (const scope of ['all', 'shared', 'own'] as ListScope[]) {
    const page: number[] = [];
    const count: number[] = [];
    const planning: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const t of readers) {
        const p = (await explain(t, listPageSql(scope, false), [20, 20, 0], 'JSON'))[0]['QUERY PLAN'][0];
        const c = (await explain(t, listCountSql(scope, false), [], 'JSON'))[0]['QUERY PLAN'][0];
        page.push(p['Execution Time']);
        count.push(c['Execution Time']);
        planning.push(p['Planning Time'] + c['Planning Time']);
      }
    }
    console.log(`scope=${scope}: page median ${median(page).toFixed(3)} ms, total median ${median(count).toFixed(3)} ms, ` +
      `sum ${(median(page) + median(count)).toFixed(3)} ms; planning of both ${median(planning).toFixed(3)} ms ` +
      `(${page.length} runs, 100 tenants)`);
  }
  await app.end();
} finally {
  await db.embedded?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
