import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { deriveUrl } from '../../src/database/roles.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, asTenant, catalog } from '../helpers/db.js';
import { testEndpoints, testRoles } from '../helpers/env.js';
import { createTenant } from '../helpers/factories.js';
import { lintRuntimeRolesCreateNothing, lintSearchPathTempLast } from '../rls/catalog-lints.js';
import { signedTenant } from '../helpers/context.js';

// Issue 11, item 10: a temporary table named `resources` shadowed the real one, even inside
// app.list_visible_resources, and on a pooled connection it outlived the request. The runtime
// roles now create nothing (0023); the self-check and a catalog lint refuse a role that could.

const sqlState = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

async function asOwner<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: testEndpoints().ownerUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('runtime roles cannot create temporary tables or objects', () => {
  it('CREATE TEMP TABLE as the tenant role fails with 42501, with and without a tenant set', async () => {
    const tenant = await createTenant();
    for (const id of [tenant.id, null]) {
      await asTenant(id, async (sql) => {
        expect(await sqlState(sql.query('CREATE TEMP TABLE resources (id uuid, tenant_id uuid)'))).toBe('42501');
      });
    }
  });

  it('CREATE TEMP TABLE as the platform role fails with 42501', async () => {
    await asPlatform(async (sql) => {
      expect(await sqlState(sql.query('CREATE TEMPORARY TABLE tenants (id uuid)'))).toBe('42501');
    });
  });

  it('no CREATE in public or app, and no new schema', async () => {
    await asTenant(null, async (sql) => {
      await sql.query('SAVEPOINT s');
      expect(await sqlState(sql.query('CREATE TABLE public.resources_shadow (id uuid)'))).toBe('42501');
      await sql.query('ROLLBACK TO SAVEPOINT s');
      expect(await sqlState(sql.query('CREATE TABLE app.x (id uuid)'))).toBe('42501');
      await sql.query('ROLLBACK TO SAVEPOINT s');
      expect(await sqlState(sql.query('CREATE SCHEMA tenancy_app'))).toBe('42501');
    });
  });

  it('the catalog says the same: no TEMPORARY or CREATE for a runtime role, pg_temp last', async () => {
    expect(await catalog(lintRuntimeRolesCreateNothing)).toEqual([]);
    expect(await catalog(lintSearchPathTempLast)).toEqual([]);
    const { rows } = await catalog((sql) => sql.query(
      `SELECT proconfig FROM pg_proc WHERE oid = 'app.list_visible_resources(text, text, int, int)'::regprocedure`));
    expect(rows[0].proconfig).toEqual(['search_path=pg_catalog, public, pg_temp']);
  });
});

describe('the self-check and the lint refuse a runtime role granted TEMPORARY', () => {
  // A throwaway login member of tenancy_app, granted TEMPORARY on the database by name: the
  // runtime roles themselves stay clean, so suites running at the same time are not affected.
  const role = `tenancy_temp_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  let database = '';

  beforeAll(() =>
    asOwner(async (c) => {
      database = (await c.query('SELECT current_database() AS d')).rows[0].d;
      // the owner cannot create roles in every setup; the embedded superuser can
      const admin = new pg.Client({ connectionString: testEndpoints().superuserUrl ?? testEndpoints().ownerUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE ${testRoles().tenant}`);
      } finally {
        await admin.end();
      }
      await c.query(`GRANT TEMPORARY ON DATABASE ${c.escapeIdentifier(database)} TO ${role}`);
    }),
  );
  afterAll(() =>
    asOwner(async (c) => {
      await c.query(`REVOKE ALL ON DATABASE ${c.escapeIdentifier(database)} FROM ${role}`);
      const admin = new pg.Client({ connectionString: testEndpoints().superuserUrl ?? testEndpoints().ownerUrl });
      await admin.connect();
      try {
        await admin.query(`DROP OWNED BY ${role}`);
        await admin.query(`DROP ROLE ${role}`);
      } finally {
        await admin.end();
      }
    }),
  );

  it('such a role shadows resources in its own queries, but not inside the listing (pg_temp last)', async () => {
    const owner = await createTenant();
    const c = new pg.Client({ connectionString: deriveUrl(testEndpoints().tenantUrl, role, password) });
    await c.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(owner.id)]);
      await c.query(`INSERT INTO resources (tenant_id, kind, name) VALUES ($1, 'agent', 'real')`, [owner.id]);
      await c.query('CREATE TEMP TABLE resources (LIKE public.resources)');
      // unqualified, the session's temporary table wins over public.resources
      const { rows: [shadow] } = await c.query(
        `SELECT c.relnamespace = pg_my_temp_schema() AS temp FROM pg_class c WHERE c.oid = 'resources'::regclass`);
      expect(shadow.temp).toBe(true);
      expect((await c.query('SELECT count(*)::int AS n FROM resources')).rows[0].n).toBe(0);
      // the listing names pg_temp last, so it still reads the real table
      const { rows } = await c.query(`SELECT name FROM app.list_visible_resources('own', NULL, 20, 0)`);
      expect(rows.map((r) => r.name)).toEqual(['real']);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    }
  });

  it('the app refuses to boot, saying which SQL fixes it', async () => {
    const boot = createTestApp({ database: { tenantUrl: deriveUrl(testEndpoints().tenantUrl, role, password) } });
    const err: Error = await boot.then(async (app) => { await app.close(); return new Error('booted'); }, (e) => e);
    expect(err.message).toMatch(/Refusing to start: the tenant runtime role ".*" has TEMPORARY on database/);
    expect(err.message).toContain(`REVOKE TEMPORARY ON DATABASE "${database}" FROM ${role};`);
  });

  it('the lint flags tenancy_app once the grant reaches it', async () => {
    await asOwner(async (c) => {
      await c.query('BEGIN');
      try {
        await c.query(`GRANT TEMPORARY ON DATABASE ${c.escapeIdentifier(database)} TO ${testRoles().tenant}`);
        expect(await lintRuntimeRolesCreateNothing(c)).toEqual([
          `${testRoles().tenant} holds TEMPORARY on the database: REVOKE TEMPORARY ON DATABASE <db> FROM PUBLIC, ${testRoles().tenant}`,
        ]);
      } finally {
        await c.query('ROLLBACK');
      }
    });
  });
});
