import { randomBytes, randomUUID } from 'node:crypto';
import { createTestApp } from '../helpers/create-app.js';
import { contextKey, signedTenant } from '../helpers/context.js';
import { asTenant, platformCommit, type Sql } from '../helpers/db.js';
import { testEndpoints, testRoles } from '../helpers/env.js';
import { createTenant, setTenantStatus, type TestTenant } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';
import { signContext } from '../../src/database/tenant-context.js';

/**
 * Issue 16: SQL that runs as the tenant runtime role, inside a valid transaction of tenant A
 * (say, through an injected raw query), cannot become tenant B or the platform. Every attempt
 * ends with B's rows invisible and unwritable; most leave no tenant at all (fail closed).
 */
describe('signed tenant context: injected SQL cannot switch tenants', () => {
  let a: TestTenant;
  let b: TestTenant;
  let platform: TestTenant;
  let gone: TestTenant;
  let bResource: string;

  beforeAll(async () => {
    a = await createTenant();
    b = await createTenant();
    platform = await createTenant({ type: 'platform' });
    gone = await createTenant();
    await platformCommit(async (sql) => {
      for (const t of [a, b]) {
        await sql.query(`INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, 'x@example.com', 'h', 'admin')`, [t.id]);
        await sql.query(
          `INSERT INTO integrations (tenant_id, name, provider, ciphertext, iv, auth_tag, key_version)
           VALUES ($1, 'crm', 'p', '\\x00', $2, $3, 'v1')`,
          [t.id, randomBytes(12), randomBytes(16)],
        );
      }
      await sql.query(`INSERT INTO resources (tenant_id, kind, name) VALUES ($1, 'doc', 'mine')`, [a.id]);
      // the id is chosen here: the platform role may not read a private row back (0031)
      bResource = randomUUID();
      await sql.query(`INSERT INTO resources (tenant_id, id, kind, name) VALUES ($1, $2, 'doc', 'secret of b')`, [b.id, bResource]);
    });
    await setTenantStatus(gone.id, 'deleted');
  });

  /** B's rows that the current transaction can see, per table. */
  async function visibleOfB(sql: Sql): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of ['users', 'integrations', 'resources', 'audit_logs', 'refresh_tokens']) {
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [b.id]);
      out[table] = rows[0].n;
    }
    return out;
  }
  const NONE_OF_B = { users: 0, integrations: 0, resources: 0, audit_logs: 0, refresh_tokens: 0 };

  async function context(sql: Sql): Promise<{ tenant: string | null; platform: boolean; user: string }> {
    const { rows } = await sql.query('SELECT app.current_tenant_id()::text AS tenant, app.is_platform() AS platform, current_user AS user');
    return rows[0];
  }

  /** B cannot be changed either: an update of its row touches nothing, an insert for it is refused. */
  async function cannotWriteB(sql: Sql): Promise<void> {
    expect((await sql.query(`UPDATE users SET role = 'member' WHERE tenant_id = $1`, [b.id])).rowCount).toBe(0);
    expect((await sql.query(`UPDATE resources SET name = 'defaced' WHERE id = $1`, [bResource])).rowCount).toBe(0);
    await expect(inSavepoint(sql, () =>
      sql.query(`INSERT INTO resources (tenant_id, kind, name) VALUES ($1, 'doc', 'planted')`, [b.id]),
    )).rejects.toThrow(/row-level security/);
  }

  async function inSavepoint<T>(sql: Sql, fn: () => Promise<T>): Promise<T> {
    await sql.query('SAVEPOINT attempt');
    try {
      const result = await fn();
      await sql.query('RELEASE SAVEPOINT attempt');
      return result;
    } catch (err) {
      await sql.query('ROLLBACK TO SAVEPOINT attempt');
      throw err;
    }
  }

  it('the valid context of A sees A and nothing of B (the starting point of every attempt)', async () => {
    await asTenant(a.id, async (sql) => {
      expect(await context(sql)).toEqual({ tenant: a.id, platform: false, user: testRoles().tenant });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM users');
      expect(rows[0].n).toBe(1);
    });
  });

  it("set_config with B's bare id: no tenant at all, so nothing of A or B", async () => {
    await asTenant(a.id, async (sql) => {
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [b.id]);
      expect(await context(sql)).toMatchObject({ tenant: null, platform: false });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      expect((await sql.query('SELECT count(*)::int AS n FROM resources')).rows[0].n).toBe(0);
      await cannotWriteB(sql);
      // session-level (is_local false) is no better
      await sql.query("SELECT set_config('app.current_tenant_id', $1, false)", [b.id]);
      expect(await context(sql)).toMatchObject({ tenant: null });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
    });
  });

  it("A's signature moved onto B's id (and onto the platform scope) is refused", async () => {
    await asTenant(a.id, async (sql) => {
      const mine: string = (await sql.query("SELECT current_setting('app.current_tenant_id') AS v")).rows[0].v;
      const [, expiry, kid, mac] = mine.split('.');
      expect(mine.startsWith(`${a.id}.`)).toBe(true);
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [[b.id, expiry, kid, mac].join('.')]);
      expect(await context(sql)).toMatchObject({ tenant: null });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      await cannotWriteB(sql);
      // a later expiry with the same MAC
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [[a.id, String(Number(expiry) + 3_600_000), kid, mac].join('.')]);
      expect(await context(sql)).toMatchObject({ tenant: null });
      // the tenant value as the platform scope: the MAC covers its purpose
      await sql.query("SELECT set_config('app.scope', $1, true)", [mine]);
      await sql.query("SELECT set_config('app.scope', $1, true)", [['platform', expiry, kid, mac].join('.')]);
      expect(await context(sql)).toMatchObject({ platform: false });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
    });
  });

  it('an expired signature of B, even one made with the real key, is refused', async () => {
    const expired = signContext(await contextKey(), 'tenant', b.id, Date.now() - 1_000);
    await asTenant(a.id, async (sql) => {
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [expired]);
      expect(await context(sql)).toMatchObject({ tenant: null });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      await cannotWriteB(sql);
    });
  });

  it('a malformed value, or a valid one altered in its shape, is no tenant and raises no error', async () => {
    const valid = signContext(await contextKey(), 'tenant', b.id, Date.now() + 60_000);
    const [subject, expiry, kid, mac] = valid.split('.');
    const malformed = [
      '',
      '.',
      '....',
      'garbage',
      b.id,
      `${valid}.x`, // a fifth part
      `${subject}.${expiry}.x.${kid}.${mac}`, // a part inserted
      `${subject}.${expiry}.${kid}${mac}`, // no dot before the MAC
      `${subject}.${expiry}.${kid}.${mac.toUpperCase()}`, // the MAC in upper case
      `${valid} `,
      ` ${valid}`,
      `${subject}.9999999999999999999999.${kid}.${mac}`, // an expiry no bigint holds
      `${subject}.soon.${kid}.${mac}`, // an expiry that is no number
      `${subject}.${expiry}.${kid}.${'0'.repeat(64)}`,
    ];
    await asTenant(a.id, async (sql) => {
      for (const value of malformed) {
        await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [value]);
        expect({ value, ...(await context(sql)) }).toMatchObject({ value, tenant: null, platform: false });
        expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      }
      // and the unaltered value is B: the altered ones failed on their shape alone
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [valid]);
      expect(await context(sql)).toMatchObject({ tenant: b.id });
    });
  });

  it("app.scope = 'platform' alone grants nothing: no platform scope, no global publish", async () => {
    await asTenant(a.id, async (sql) => {
      await sql.query("SELECT set_config('app.scope', 'platform', true), set_config('app.actor', 'intruder', true)");
      expect(await context(sql)).toEqual({ tenant: a.id, platform: false, user: testRoles().tenant });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      await cannotWriteB(sql);
      // publishing a global resource as the platform tenant
      await expect(inSavepoint(sql, () =>
        sql.query(`INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'doc', 'fake notice', 'global')`, [platform.id]),
      )).rejects.toThrow(/row-level security/);
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [platform.id]);
      await expect(inSavepoint(sql, () =>
        sql.query(`INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'doc', 'fake notice', 'global')`, [platform.id]),
      )).rejects.toThrow(/row-level security/);
    });
  });

  it('SET ROLE to another role is refused; RESET and RESET ALL only drop the context', async () => {
    const roles = testRoles();
    const owner = decodeURIComponent(new URL(testEndpoints().ownerUrl).username);
    await asTenant(a.id, async (sql) => {
      for (const role of [roles.platform, owner, 'postgres']) {
        await expect(inSavepoint(sql, () => sql.query(`SET ROLE ${role}`))).rejects.toThrow(/permission denied|does not exist/);
        await expect(inSavepoint(sql, () => sql.query(`SET LOCAL ROLE ${role}`))).rejects.toThrow(/permission denied|does not exist/);
      }
      await expect(inSavepoint(sql, () => sql.query(`SET SESSION AUTHORIZATION ${owner}`))).rejects.toThrow(/permission denied/);
      await sql.query('RESET ROLE');
      expect(await context(sql)).toEqual({ tenant: a.id, platform: false, user: roles.tenant });
      await sql.query('RESET app.current_tenant_id');
      expect(await context(sql)).toMatchObject({ tenant: null, user: roles.tenant });
      await sql.query('RESET ALL');
      expect(await context(sql)).toMatchObject({ tenant: null, platform: false, user: roles.tenant });
      expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      await cannotWriteB(sql);
    });
  });

  it('the keys cannot be read: neither their table nor the owner-only definer function', async () => {
    await asTenant(a.id, async (sql) => {
      await expect(inSavepoint(sql, () => sql.query('SELECT * FROM app.tenant_context_keys'))).rejects.toThrow(/permission denied/);
      await expect(inSavepoint(sql, () => sql.query('SELECT * FROM app.tenant_context_signing_key()'))).rejects.toThrow(/permission denied/);
    });
  });

  it('calling every function in schema app, with B as every argument, never yields B or the platform', async () => {
    await asTenant(a.id, async (sql) => {
      const { rows: fns } = await sql.query(`
        SELECT p.oid::regprocedure::text AS signature, p.proname AS name,
               coalesce(array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) t), '{}') AS args
          FROM pg_proc p
         WHERE p.pronamespace = 'app'::regnamespace AND p.prokind = 'f'
           AND p.prorettype <> 'trigger'::regtype -- trigger functions cannot be called directly
         ORDER BY 1`);
      // the schema's functions are known: a new one is looked at here before it ships
      expect(fns.map((f) => f.name)).toEqual(expect.arrayContaining(['current_tenant_id', 'is_platform', 'resolve_tenant', 'verified_context']));
      const argFor = (type: string, i: number): string => {
        if (type === 'uuid') return `'${b.id}'::uuid`;
        if (type === 'text') return i === 0 ? `'${b.subdomain}'` : `'tenant'`;
        if (type === 'integer' || type === 'bigint' || type === 'smallint') return '1';
        if (type === 'boolean') return 'true';
        if (type === 'bytea') return `'\\x00'::bytea`;
        if (type.startsWith('timestamp')) return 'now()';
        return 'NULL';
      };
      const called: string[] = [];
      for (const f of fns) {
        const args = (f.args as string[]).map(argFor).join(', ');
        try {
          await inSavepoint(sql, () => sql.query(`SELECT * FROM ${f.signature.replace(/\(.*$/, '')}(${args})`));
          called.push(f.name);
        } catch (err) {
          // refused (no privilege) or not meant for these arguments: either way it changed nothing
          expect(String(err)).toMatch(/permission denied|invalid|violates|does not exist|null value|cannot|must/);
        }
        expect(await context(sql)).toEqual({ tenant: a.id, platform: false, user: testRoles().tenant });
        expect(await visibleOfB(sql)).toEqual(NONE_OF_B);
      }
      expect(called).toEqual(expect.arrayContaining(['current_tenant_id', 'is_platform', 'resolve_tenant']));
    });
  });

  it('app.resolve_tenant never answers for a deleted tenant', async () => {
    await asTenant(a.id, async (sql) => {
      expect((await sql.query('SELECT id FROM app.resolve_tenant($1)', [gone.subdomain])).rows).toEqual([]);
      expect((await sql.query('SELECT id FROM app.resolve_tenant($1)', [gone.id])).rows).toEqual([]);
      expect((await sql.query('SELECT id::text FROM app.resolve_tenant($1)', [b.subdomain])).rows).toEqual([{ id: b.id }]);
    });
  });

  it('a signed value replayed in a later transaction is refused once it has expired', async () => {
    const ttlMs = 1_500;
    const value = await signedTenant(a.id, ttlMs);
    const expiresAt = Number(value.split('.')[1]);
    // valid now: A's own rows
    await asTenant(null, async (sql) => {
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [value]);
      expect(await context(sql)).toMatchObject({ tenant: a.id });
      expect((await sql.query('SELECT count(*)::int AS n FROM resources')).rows[0].n).toBe(1);
    });
    // the signal: the database's clock is past the expiry
    await waitFor('the signed value to expire on the database clock', () =>
      asTenant(null, async (sql) =>
        (await sql.query('SELECT now() > to_timestamp($1::float8 / 1000) AS past', [expiresAt])).rows[0].past === true),
      15_000,
      100,
    );
    await asTenant(null, async (sql) => {
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [value]);
      expect(await context(sql)).toMatchObject({ tenant: null });
      expect((await sql.query('SELECT count(*)::int AS n FROM resources')).rows[0].n).toBe(0);
    });
  });

  it('a service whose key the database does not hold refuses to start, with the reason', async () => {
    const stranger = randomBytes(32).toString('base64');
    await expect(createTestApp({ env: { TENANT_CONTEXT_KEY: stranger } })).rejects.toThrow(
      /does not accept this service's signed tenant and platform scope context .*disagree about the tenant context key/s,
    );
  });
});
