import pg from 'pg';
import { platformCommit } from '../helpers/db.js';
import { testEndpoints } from '../helpers/env.js';
import { createTenant } from '../helpers/factories.js';
import { runCli } from '../helpers/cli.js';

const exists = (id: string) =>
  platformCommit(async (sql) => (await sql.query('SELECT 1 FROM tenants WHERE id = $1', [id])).rowCount === 1);

describe('npm run tenants:purge (child process)', () => {
  it('removes a tenant past purgeAfter and keeps one that is not due', async () => {
    const due = await createTenant();
    const notDue = await createTenant();
    await platformCommit((sql) => sql.query(
      `UPDATE tenants SET status = 'deleted', deleted_at = now(),
              purge_after = CASE WHEN id = $1 THEN now() - interval '1 second' ELSE now() + interval '1 day' END
        WHERE id = ANY($2::uuid[])`,
      [due.id, [due.id, notDue.id]],
    ));
    const run = await runCli('purge-tenants');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`purged tenant ${due.id}`);
    expect(run.stdout).toContain('1 tenant(s) purged, 0 failed');
    expect(await exists(due.id)).toBe(false);
    expect(await exists(notDue.id)).toBe(true);
  });
});

describe('npm run migrate (child process)', () => {
  it('is idempotent: run twice on the migrated test database, it applies nothing and succeeds', async () => {
    const applied = async () => {
      const c = new pg.Client({ connectionString: testEndpoints().ownerUrl });
      await c.connect();
      try {
        const { rows } = await c.query('SELECT version, checksum FROM schema_migrations ORDER BY version');
        return rows;
      } finally {
        await c.end();
      }
    };
    const before = await applied();
    for (let i = 0; i < 2; i++) {
      const run = await runCli('migrate');
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('database is up to date');
      expect(run.stdout).not.toContain('applied migration');
    }
    expect(await applied()).toEqual(before);
  });
});
