import pg from 'pg';
import { catalog } from '../helpers/db.js';
import { testEndpoints, testRoles } from '../helpers/env.js';
import { withRoleNames } from '../../src/database/migrator.js';

const R = testRoles();
import {
  ALL_LINTS,
  KNOWN_TENANT_TABLES,
  lintContextReadsVerified,
  lintPolicyExpressions,
  lintRestrictiveIsolation,
  lintRowLevelSecurity,
  lintRuntimeRolesCreateNothing,
  lintSearchPathTempLast,
  lintTenantKeys,
  lintViewsAndFunctions,
  stripSubSelects,
  tenantTables,
} from './catalog-lints.js';

describe('catalog lints (docs/isolation.md 1–6) on the migrated schema', () => {
  for (const [name, lint] of Object.entries(ALL_LINTS)) {
    it(`${name} finds nothing`, async () => {
      expect(await catalog(lint)).toEqual([]);
    });
  }

  it('sees exactly the tenant tables of the migrations', async () => {
    expect(await catalog(tenantTables)).toEqual(KNOWN_TENANT_TABLES);
  });
});

describe('catalog lints catch a table that forgets something', () => {
  // The owner adds deliberately broken objects inside a transaction that is rolled back, and
  // every lint must flag them: a lint that cannot fail protects nothing.
  async function withBrokenSchema(ddl: string, fn: (sql: pg.Client) => Promise<void>) {
    const sql = new pg.Client({ connectionString: testEndpoints().ownerUrl });
    await sql.connect();
    try {
      await sql.query('BEGIN');
      await sql.query(withRoleNames(ddl, R)); // fixtures name the default roles
      await fn(sql);
    } finally {
      await sql.query('ROLLBACK');
      await sql.end();
    }
  }

  it('flags missing RLS, FORCE, policies, WITH CHECK and tenant_id in keys', async () => {
    await withBrokenSchema(
      `CREATE TABLE lint_probe (id uuid PRIMARY KEY, tenant_id uuid NOT NULL, email text UNIQUE);
       GRANT SELECT, INSERT ON lint_probe TO tenancy_app;`,
      async (sql) => {
        const rls = await lintRowLevelSecurity(sql);
        expect(rls).toEqual(expect.arrayContaining([
          'lint_probe: RLS not enabled',
          'lint_probe: RLS not forced',
          `lint_probe: ${R.tenant} may SELECT but no policy covers it`,
        ]));
        const keys = await lintTenantKeys(sql);
        expect(keys.some((v) => v.includes('lint_probe_pkey'))).toBe(true);
        expect(keys.some((v) => v.includes('lint_probe_email_key'))).toBe(true);
        expect(await lintRestrictiveIsolation(sql)).toContain(
          'lint_probe: no RESTRICTIVE tenant_id = current tenant policy covers SELECT',
        );
      },
    );
  });

  it('flags permissive-only isolation, USING (true), IS NULL escapes and bare current_setting', async () => {
    await withBrokenSchema(
      `CREATE TABLE lint_probe (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
       ALTER TABLE lint_probe ENABLE ROW LEVEL SECURITY; ALTER TABLE lint_probe FORCE ROW LEVEL SECURITY;
       CREATE POLICY p_all ON lint_probe FOR ALL TO tenancy_app USING (true);
       CREATE POLICY p_null ON lint_probe FOR SELECT TO tenancy_app
         USING (tenant_id = (SELECT app.current_tenant_id()) OR app.current_tenant_id() IS NULL);
       CREATE POLICY p_bare ON lint_probe FOR SELECT TO tenancy_app
         USING (tenant_id = current_setting('app.current_tenant_id')::uuid);`,
      async (sql) => {
        const expr = await lintPolicyExpressions(sql);
        expect(expr.some((v) => v.startsWith('lint_probe.p_all USING is (true)'))).toBe(true);
        expect(expr.some((v) => v.startsWith('lint_probe.p_null USING has an IS NULL escape'))).toBe(true);
        expect(expr.some((v) => v.startsWith('lint_probe.p_bare USING calls current_setting bare'))).toBe(true);
        expect((await lintRowLevelSecurity(sql)).some((v) => v.includes('p_all: ALL policy without an explicit WITH CHECK'))).toBe(true);
        expect((await lintRestrictiveIsolation(sql)).filter((v) => v.startsWith('lint_probe:'))).toEqual(
          ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map((cmd) => `lint_probe: no RESTRICTIVE tenant_id = current tenant policy covers ${cmd}`),
        );
      },
    );
  });

  // Issue 16: the setting is a signed value only app.current_tenant_id() / app.is_platform()
  // verify. A policy that reads it itself, even once per statement inside (SELECT …), which
  // lintPolicyExpressions lets through, trusts whatever set_config wrote.
  it('flags a policy or a function that reads the context setting instead of the verifying function', async () => {
    await withBrokenSchema(
      `CREATE TABLE lint_probe (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
       ALTER TABLE lint_probe ENABLE ROW LEVEL SECURITY; ALTER TABLE lint_probe FORCE ROW LEVEL SECURITY;
       CREATE POLICY p_unverified ON lint_probe AS RESTRICTIVE FOR ALL TO tenancy_app
         USING (tenant_id = (SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid))
         WITH CHECK (tenant_id = (SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid));
       CREATE FUNCTION app.lint_scope() RETURNS boolean LANGUAGE sql STABLE
         AS $$ SELECT current_setting('app.scope', true) = 'platform' $$;
       CREATE POLICY p_platform ON lint_probe FOR ALL TO tenancy_platform
         USING ((SELECT app.lint_scope())) WITH CHECK ((SELECT app.lint_scope()));`,
      async (sql) => {
        // the older lint sees nothing wrong with either
        expect((await lintPolicyExpressions(sql)).filter((v) => v.startsWith('lint_probe.'))).toEqual([]);
        const found = await lintContextReadsVerified(sql);
        expect(found).toEqual(expect.arrayContaining([
          expect.stringMatching(/^lint_probe\.p_unverified USING reads current_setting instead of app\.current_tenant_id\(\)/),
          expect.stringMatching(/^lint_probe\.p_unverified WITH CHECK reads current_setting/),
          'app.lint_scope() reads the tenant context setting unverified; call app.current_tenant_id() / app.is_platform()',
        ]));
      },
    );
  });

  it('flags a security-definer view and an unpinned, public SECURITY DEFINER function', async () => {
    await withBrokenSchema(
      `CREATE VIEW lint_view AS SELECT 1 AS one;
       CREATE FUNCTION app.lint_fn() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
       GRANT EXECUTE ON FUNCTION app.lint_fn() TO PUBLIC;`,
      async (sql) => {
        const found = await lintViewsAndFunctions(sql);
        expect(found).toEqual(expect.arrayContaining([
          'view lint_view is not security_invoker',
          'SECURITY DEFINER app.lint_fn() is not on the allow-list',
          'SECURITY DEFINER app.lint_fn() does not pin search_path',
          'SECURITY DEFINER app.lint_fn() is executable by PUBLIC',
        ]));
      },
    );
  });

  it('flags a runtime role that may create temporary tables or objects, and pg_temp not last', async () => {
    await withBrokenSchema(
      `DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database()); END $$;
       GRANT CREATE ON SCHEMA app TO tenancy_platform;
       CREATE FUNCTION app.lint_path() RETURNS int LANGUAGE sql SET search_path = pg_catalog, public AS 'SELECT 1';`,
      async (sql) => {
        const found = await lintRuntimeRolesCreateNothing(sql);
        expect(found).toEqual(expect.arrayContaining([
          expect.stringMatching(new RegExp(`^${R.tenant} holds TEMPORARY on the database: REVOKE TEMPORARY ON DATABASE`)),
          expect.stringMatching(new RegExp(`^${R.platform} holds TEMPORARY on the database`)),
          expect.stringMatching(new RegExp(`^${R.platform} holds CREATE on schema app: REVOKE CREATE ON SCHEMA app`)),
        ]));
        expect(await lintSearchPathTempLast(sql)).toEqual([
          'app.lint_path() pins search_path=pg_catalog, public without pg_temp last',
        ]);
      },
    );
  });

  it('fails every table lint on a schema where the known tenant tables are not found', async () => {
    // renaming tenant_id takes every table out of what the lints inspect (policies follow the
    // column, so they would still look right): each lint must say so rather than pass on nothing
    await withBrokenSchema(
      KNOWN_TENANT_TABLES.map((t) => `ALTER TABLE ${t} RENAME COLUMN tenant_id TO owner_tenant;`).join('\n'),
      async (sql) => {
        expect(await tenantTables(sql)).toEqual([]);
        const missing = KNOWN_TENANT_TABLES.map((t) => `${t}: known tenant table not among the tables inspected`);
        for (const lint of [lintRowLevelSecurity, lintRestrictiveIsolation, lintTenantKeys]) {
          expect({ lint: lint.name, found: (await lint(sql)).filter((v) => v.includes('known tenant table')) })
            .toEqual({ lint: lint.name, found: missing });
        }
      },
    );
    await withBrokenSchema(
      // a schema whose tenant tables lost their policies (DROP POLICY for all of them)
      `DO $$ DECLARE p record; BEGIN
         FOR p IN SELECT policyname, tablename FROM pg_policies WHERE schemaname = 'public' LOOP
           EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
         END LOOP; END $$;`,
      async (sql) => {
        expect((await lintPolicyExpressions(sql)).filter((v) => v.includes('known tenant table')))
          .toEqual(KNOWN_TENANT_TABLES.map((t) => `${t}: known tenant table not among the tables inspected`));
      },
    );
  });

  it('treats only ( SELECT … ) as evaluated once per statement', () => {
    expect(stripSubSelects('(tenant_id = ( SELECT app.current_tenant_id() AS x))')).toBe('(tenant_id = (subselect))');
    expect(stripSubSelects('(tenant_id = app.current_tenant_id())')).toContain('app.current_tenant_id(');
  });
});
