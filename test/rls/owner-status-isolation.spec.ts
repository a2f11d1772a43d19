import { randomUUID } from 'node:crypto';
import { asTenant, platformCommit } from '../helpers/db.js';
import { createTenant, setTenantStatus, type TestTenant } from '../helpers/factories.js';

// docs/api.md "Sharing": a resource whose owner tenant is not active is visible to no other tenant,
// in the database as over HTTP (migrations/0024). As tenancy_app, through the read policy and
// through app.list_visible_resources, for every status that is not 'active'.

const sqlState = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));

describe('resources of a tenant that is not active are visible to no other tenant (SQL, tenancy_app)', () => {
  let owner: TestTenant;
  let listed: TestTenant;
  let unlisted: TestTenant;
  const ids = {} as Record<'global' | 'selective' | 'private', string>;
  const all = () => [ids.global, ids.selective, ids.private];

  beforeAll(async () => {
    owner = await createTenant({ type: 'platform' });
    listed = await createTenant();
    unlisted = await createTenant();
    await platformCommit(async (sql) => {
      for (const mode of ['global', 'selective', 'private'] as const) {
        // the id is chosen here: the platform role may not read a private row back (0031)
        ids[mode] = randomUUID();
        await sql.query(
          `INSERT INTO resources (tenant_id, id, kind, name, sharing_mode) VALUES ($1, $2, 'agent', $3, $3)`,
          [owner.id, ids[mode], mode],
        );
      }
      await sql.query('INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)',
        [owner.id, ids.selective, listed.id]);
    });
  });
  afterAll(async () => {
    await platformCommit((sql) => sql.query('DELETE FROM tenants WHERE id = ANY($1)', [[owner.id, listed.id, unlisted.id]]));
  });

  /** What `reader` sees of the three resources: by id under the policy, and in the listing. */
  async function seenBy(reader: TestTenant) {
    return asTenant(reader.id, async (sql) => {
      const byId = await sql.query('SELECT id FROM resources WHERE id = ANY($1)', [all()]);
      const listed = await sql.query(`SELECT id FROM app.list_visible_resources('all', NULL, 100000, 0) WHERE id = ANY($1)`, [all()]);
      const shared = await sql.query(`SELECT id FROM app.list_visible_resources('shared', NULL, 100000, 0) WHERE id = ANY($1)`, [all()]);
      const names = (rows: { id: string }[]) =>
        rows.map((r) => Object.entries(ids).find(([, id]) => id === r.id)![0]).sort();
      return { byId: names(byId.rows), listed: names(listed.rows), shared: names(shared.rows) };
    });
  }

  it('while the owner is active: the listed tenant sees global and selective, another tenant global', async () => {
    expect(await seenBy(listed)).toEqual({ byId: ['global', 'selective'], listed: ['global', 'selective'], shared: ['global', 'selective'] });
    expect(await seenBy(unlisted)).toEqual({ byId: ['global'], listed: ['global'], shared: ['global'] });
  });

  it.each(['suspended', 'deleted', 'provisioning'])('owner %s: other tenants see none of them; the owner its own; back when active', async (status) => {
    await setTenantStatus(owner.id, status);
    try {
      const none = { byId: [], listed: [], shared: [] };
      expect(await seenBy(listed)).toEqual(none);
      expect(await seenBy(unlisted)).toEqual(none);
      // the owner's own rows are unchanged (it cannot make requests while not active anyway)
      expect((await seenBy(owner)).byId).toEqual(['global', 'private', 'selective']);
      // the flag follows the status through the foreign key's cascade, for every row of the tenant
      // (read as the owner, which sees every row of its own; the platform sees no private one)
      const flags = await asTenant(owner.id, async (sql) =>
        (await sql.query('SELECT DISTINCT owner_active FROM resources WHERE tenant_id = $1', [owner.id])).rows);
      expect(flags).toEqual([{ owner_active: false }]);
      // the listing's total agrees with the policy (one statement, one snapshot); GET
      // /v1/tenant/stats reads these totals
      await asTenant(listed.id, async (sql) => {
        const { rows } = await sql.query(
          `SELECT (SELECT total FROM app.list_visible_resources('all', 'agent', 1, 0) LIMIT 1) AS total,
                  (SELECT count(*)::int FROM resources WHERE kind = 'agent') AS by_policy`);
        expect(rows[0].total).toBe(rows[0].by_policy);
      });
    } finally {
      await setTenantStatus(owner.id, 'active');
    }
    expect(await seenBy(listed)).toEqual({ byId: ['global', 'selective'], listed: ['global', 'selective'], shared: ['global', 'selective'] });
    expect(await seenBy(unlisted)).toEqual({ byId: ['global'], listed: ['global'], shared: ['global'] });
  });

  it('the flag cannot be forged as tenancy_app: the foreign key refuses a value that disagrees with the tenant', async () => {
    await asTenant(owner.id, async (sql) => {
      await sql.query('SAVEPOINT s');
      expect(await sqlState(sql.query('UPDATE resources SET owner_active = false WHERE id = $1', [ids.global]))).toBe('23503');
      await sql.query('ROLLBACK TO SAVEPOINT s');
      expect(await sqlState(sql.query(
        `INSERT INTO resources (tenant_id, kind, name, owner_active) VALUES ($1, 'agent', 'x', false)`, [owner.id]))).toBe('23503');
    });
    await setTenantStatus(owner.id, 'suspended');
    try {
      // a session that still carries the suspended tenant's id cannot switch its rows back on
      await asTenant(owner.id, async (sql) => {
        await sql.query('SAVEPOINT s');
        expect(await sqlState(sql.query('UPDATE resources SET owner_active = true WHERE id = $1', [ids.global]))).toBe('23503');
        await sql.query('ROLLBACK TO SAVEPOINT s');
        expect(await sqlState(sql.query(
          `INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'agent', 'x', 'global')`, [owner.id]))).toBe('23503');
      });
      expect(await seenBy(unlisted)).toEqual({ byId: [], listed: [], shared: [] });
    } finally {
      await setTenantStatus(owner.id, 'active');
    }
  });
});
