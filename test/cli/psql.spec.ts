import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import pg from 'pg';
import { runningPostmaster } from '../../src/database/embedded-postgres.js';
import { bearer, createUser, tenantToken } from '../helpers/auth.js';
import { runCli } from '../helpers/cli.js';
import { signedPlatform } from '../helpers/context.js';
import { testEndpoints, testRoles } from '../helpers/env.js';
import { onDatabase } from '../helpers/suite-database.js';
import { createTestApp } from '../helpers/create-app.js';
import { platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

const hasPsql = !spawnSync('psql', ['--version'], { stdio: 'ignore' }).error;
const testDataDir = process.env.TEST_DATA_DIR;
// the global setup's embedded server (absent when the suite runs on DATABASE_URL)
const embeddedTestServer = testDataDir !== undefined && runningPostmaster(join(testDataDir, 'pg')) !== undefined;

describe('npm run db:psql (child process)', () => {
  let app: NestFastifyApplication;
  const kind = `psql-${randomBytes(4).toString('hex')}`; // only this test's rows have it
  let viewer: TestTenant;
  let other: TestTenant;

  beforeAll(async () => {
    app = await createTestApp();
    viewer = await createTenant();
    other = await createTenant();
    const platform = await createTenant({ type: 'platform' });
    await platformCommit(async (sql) => {
      // the id is chosen here: the platform role may not read a private row back (0031)
      const add = async (tenantId: string, name: string, mode: string) => {
        const id = randomUUID();
        await sql.query(
          'INSERT INTO resources (tenant_id, id, kind, name, sharing_mode) VALUES ($1, $2, $3, $4, $5)',
          [tenantId, id, kind, name, mode],
        );
        return id;
      };
      await add(viewer.id, 'mine 1', 'private');
      await add(viewer.id, 'mine 2', 'private');
      await add(other.id, 'not shared', 'private');
      const shared = await add(other.id, 'shared with the viewer', 'selective');
      await sql.query('INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)', [other.id, shared, viewer.id]);
      await add(platform.id, 'for everyone', 'global');
    });
  });
  afterAll(() => app.close());

  /** What the API lists for the tenant (GET /v1/resources?scope=all, the total). */
  async function apiCount(t: TestTenant): Promise<number> {
    const u = await createUser(t.id);
    const res = await request(app.getHttpServer()).get(`/v1/resources?scope=all&kind=${kind}`)
      .set(bearer(tenantToken(app, { tenantId: t.id, userId: u.id, role: u.role })))
      .expect(200);
    return res.body.total;
  }

  const psqlCount = (t: TestTenant) =>
    runCli('psql', [t.subdomain, '-X', '-tA', '-c', `select count(*) from resources where kind = '${kind}'`]);

  it('without psql on PATH, says how to install it', async () => {
    const run = await runCli('psql', [viewer.subdomain], { env: { PATH: '/nonexistent' } });
    expect(run.code).toBe(127);
    expect(run.stderr).toContain('psql was not found on PATH');
    expect(run.stderr).toContain('apt-get install postgresql-client');
  });

  (hasPsql ? it : it.skip)('counts through psql exactly what the API lists, for each tenant', async () => {
    expect(await apiCount(viewer)).toBe(4); // own 2, shared with it 1, global 1
    expect(await apiCount(other)).toBe(3); // own 2, global 1
    for (const t of [viewer, other]) {
      const run = await psqlCount(t);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(Number(run.stdout.trim())).toBe(await apiCount(t));
    }
    const who = await runCli('psql', [viewer.subdomain, '-X', '-tA', '-c', 'select current_user, app.current_tenant_id()']);
    expect(who.stdout.trim()).toBe(`${testRoles().tenant}|${viewer.id}`);
    const unknown = await runCli('psql', ['no-such-tenant', '-c', 'select 1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no tenant with subdomain no-such-tenant');
  });

  (hasPsql && embeddedTestServer ? it : it.skip)(
    'on the embedded database: reads the connection from the data directory (the running server is reused, not stopped)',
    async () => {
      // DATA_DIR leads to the run's migrated database, not this file's copy: a tenant of its own there
      const runDatabase = onDatabase(testEndpoints().platformUrl, process.env.TEST_RUN_DATABASE!);
      const subdomain = `psql-dir-${randomBytes(4).toString('hex')}`;
      const id = await withPlatform(runDatabase, async (sql) => {
        const { rows } = await sql.query(
          `INSERT INTO tenants (subdomain, company_name, status) VALUES ($1, 'Data dir', 'active') RETURNING id`, [subdomain]);
        await sql.query(`INSERT INTO resources (tenant_id, kind, name) VALUES ($1, $2, 'only one')`, [rows[0].id, kind]);
        return rows[0].id as string;
      });
      const before = runningPostmaster(join(testDataDir!, 'pg'));
      const run = await runCli('psql', [subdomain, '-X', '-tA', '-c', `select count(*), app.current_tenant_id() from resources where kind = '${kind}'`], {
        env: { DATA_DIR: testDataDir!, DATABASE_URL: '', APP_DATABASE_URL: '', PLATFORM_DATABASE_URL: '' },
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.trim()).toBe(`1|${id}`);
      expect(runningPostmaster(join(testDataDir!, 'pg'))).toEqual(before);
    },
  );
});

/** A committed platform-scope transaction on another database of the run's server. */
async function withPlatform<T>(url: string, fn: (sql: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query("SELECT set_config('app.scope', $1, true)", [await signedPlatform()]);
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } finally {
    await c.end();
  }
}
