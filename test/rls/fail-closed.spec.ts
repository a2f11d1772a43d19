import { testRoles } from '../helpers/env.js';
import { asTenant, catalog, tenantClient } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';
import { tenantTables } from './catalog-lints.js';
import { signedTenant } from '../helpers/context.js';

// docs/isolation.md 7–9, over every tenant table the catalog knows of (and the registry itself).
describe('fail closed without a tenant', () => {
  let tenantId: string;
  let tables: string[];

  beforeAll(async () => {
    tenantId = (await createTenant()).id;
    tables = [...(await catalog(tenantTables)), 'tenants'];
  });

  for (const [label, setting] of [['no tenant set', null], ["the setting cleared to ''", '']] as const) {
    describe(label, () => {
      it('SELECT returns no rows from any tenant table', async () => {
        await asTenant(setting, async (sql) => {
          for (const table of tables) {
            const { rows } = await sql.query(`SELECT count(*)::int AS n FROM ${table}`);
            expect({ table, n: rows[0].n }).toEqual({ table, n: 0 });
          }
        });
      });

      it('UPDATE and DELETE touch nothing', async () => {
        for (const table of tables) {
          const privileges = await catalog(async (sql) => (await sql.query(
            `SELECT has_table_privilege('${testRoles().tenant}', $1, 'UPDATE') AS u, has_table_privilege('${testRoles().tenant}', $1, 'DELETE') AS d`,
            [table],
          )).rows[0]);
          await asTenant(setting, async (sql) => {
            if (privileges.d) expect((await sql.query(`DELETE FROM ${table}`)).rowCount).toBe(0);
          });
          await asTenant(setting, async (sql) => {
            const column = table === 'tenants' ? 'settings' : 'tenant_id';
            if (privileges.u) {
              expect((await sql.query(`UPDATE ${table} SET ${column} = ${column}`)).rowCount).toBe(0);
            }
          });
        }
      });

      it('INSERT into a tenant table fails the policy check', async () => {
        for (const table of tables.filter((t) => t !== 'tenants')) {
          await asTenant(setting, async (sql) => {
            const err = await sql
              .query(`INSERT INTO ${table} SELECT * FROM json_populate_record(NULL::${table}, json_build_object('tenant_id', $1::uuid))`, [tenantId])
              .then(() => undefined, (e) => e);
            expect({ table, code: err?.code }).toEqual({ table, code: expect.stringMatching(/^(42501|23502)$/) });
          });
        }
      });
    });
  }

  it('the tenant role cannot list the registry, even with a tenant set', async () => {
    const other = await createTenant();
    await asTenant(tenantId, async (sql) => {
      const { rows } = await sql.query('SELECT id FROM tenants');
      expect(rows).toEqual([{ id: tenantId }]);
      const byId = await sql.query('SELECT id FROM tenants WHERE id = $1', [other.id]);
      expect(byId.rowCount).toBe(0);
    });
  });

  it('a pooled connection carries no tenant after a commit or a rollback', async () => {
    const client = await tenantClient();
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(tenantId)]);
      expect((await client.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n).toBe(1);
      await client.query('COMMIT');
      expect((await client.query("SELECT current_setting('app.current_tenant_id', true) AS v")).rows[0].v).toBe('');
      expect((await client.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n).toBe(0);

      await client.query('BEGIN');
      await client.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(tenantId)]);
      await client.query('SELECT 1/0').catch(() => undefined); // a failed request
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
