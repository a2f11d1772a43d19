import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { asTenant, platformCommit, type Sql } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import { signedTenant } from '../helpers/context.js';

// docs/isolation.md 10–16 for the shareable tables, at SQL level: tenancy_app with
// set_config('app.current_tenant_id', …, true), no WHERE clause for the tenant anywhere.
type Mode = 'private' | 'global' | 'selective';
type Reader = 'owner' | 'listed' | 'unlisted' | 'platform';
const MODES: Mode[] = ['private', 'global', 'selective'];
const READERS: Reader[] = ['owner', 'listed', 'unlisted', 'platform'];

const canSee = (mode: Mode, reader: Reader) =>
  reader === 'owner' || mode === 'global' || (mode === 'selective' && reader === 'listed');

async function sqlError(sql: Sql, text: string, params: unknown[] = []): Promise<string | undefined> {
  await sql.query('SAVEPOINT probe');
  try {
    await sql.query(text, params);
    return undefined;
  } catch (e) {
    await sql.query('ROLLBACK TO SAVEPOINT probe');
    return (e as pg.DatabaseError).code;
  }
}

describe('sharing at SQL level as the tenant runtime role', () => {
  const t = {} as Record<Reader | 'client', TestTenant>;
  const kind = `k${randomBytes(5).toString('hex')}`;
  const res = {} as Record<Mode, string>;

  beforeAll(async () => {
    t.owner = await createTenant({ type: 'platform' });
    t.listed = await createTenant();
    t.unlisted = await createTenant();
    t.platform = await createTenant({ type: 'platform' });
    t.client = await createTenant();
    // Committed fixtures, written as the platform role (RLS applies to it too).
    await platformCommit(async (sql) => {
      for (const mode of MODES) {
        // the id is chosen here: the platform role may not read a private row back (0031)
        res[mode] = randomUUID();
        await sql.query(
          `INSERT INTO resources (tenant_id, id, kind, name, content, sharing_mode) VALUES ($1, $2, $3, $4, '{"v":1}', $5)`,
          [t.owner.id, res[mode], kind, `${mode} resource`, mode],
        );
      }
      await sql.query('INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)',
        [t.owner.id, res.selective, t.listed.id]);
    });
  });

  for (const mode of MODES) {
    describe(`mode ${mode}`, () => {
      for (const reader of READERS) {
        const visible = canSee(mode, reader);
        const owner = reader === 'owner';

        it(`${reader}: list and read ${visible ? 'see it' : 'see nothing'}`, async () => {
          await asTenant(t[reader].id, async (sql) => {
            const list = await sql.query('SELECT id FROM resources WHERE kind = $1', [kind]);
            expect(list.rows.map((r) => r.id).includes(res[mode])).toBe(visible);
            const one = await sql.query('SELECT id, tenant_id, sharing_mode FROM resources WHERE id = $1', [res[mode]]);
            expect(one.rowCount).toBe(visible ? 1 : 0);
            // share rows: the owner sees all, a grantee its own, anyone else none
            const shares = await sql.query('SELECT grantee_tenant_id FROM resource_shares WHERE resource_id = $1', [res[mode]]);
            const expected = mode === 'selective' && (owner || reader === 'listed') ? [t.listed.id] : [];
            expect(shares.rows.map((r) => r.grantee_tenant_id)).toEqual(expected);
          });
        });

        it(`${reader}: update ${owner ? 'changes it' : 'touches 0 rows'}`, async () => {
          await asTenant(t[reader].id, async (sql) => {
            expect((await sql.query(`UPDATE resources SET name = 'changed' WHERE id = $1`, [res[mode]])).rowCount).toBe(owner ? 1 : 0);
            expect((await sql.query(`UPDATE resources SET content = '{}' WHERE kind = $1`, [kind])).rowCount).toBe(owner ? 3 : 0);
            // nobody moves a row to another tenant, not even the owner (docs/isolation.md 13)
            expect(await sqlError(sql, 'UPDATE resources SET tenant_id = $2 WHERE id = $1', [res[mode], t.client.id]))
              .toBe(owner ? '42501' : undefined);
          });
        });

        it(`${reader}: delete ${owner ? 'removes it and its shares' : 'touches 0 rows'}`, async () => {
          await asTenant(t[reader].id, async (sql) => {
            expect((await sql.query('DELETE FROM resources WHERE id = $1', [res[mode]])).rowCount).toBe(owner ? 1 : 0);
            expect((await sql.query('DELETE FROM resource_shares WHERE resource_id = $1', [res[mode]])).rowCount).toBe(0);
            if (owner && mode === 'selective') {
              // gone with the resource (ON DELETE CASCADE)
              expect((await sql.query('SELECT count(*)::int AS n FROM resource_shares WHERE resource_id = $1', [res[mode]])).rows[0].n).toBe(0);
            }
          });
        });

        it(`${reader}: reshare ${owner ? 'works' : 'is refused'}`, async () => {
          await asTenant(t[reader].id, async (sql) => {
            const grantee = owner ? t.unlisted.id : t[reader].id === t.unlisted.id ? t.platform.id : t.unlisted.id;
            // a share row for the owner's resource
            expect(await sqlError(sql, 'INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)',
              [t.owner.id, res[mode], grantee])).toBe(owner ? undefined : '42501');
            // the same resource claimed under the reader's own tenant: no such parent (docs/isolation.md 14)
            if (!owner) {
              expect(await sqlError(sql, 'INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)',
                [t[reader].id, res[mode], grantee])).toBe('23503');
            }
            if (!owner) {
              // a grantee sees its own share row but cannot redirect it
              expect((await sql.query('UPDATE resource_shares SET grantee_tenant_id = $2 WHERE resource_id = $1', [res[mode], t.unlisted.id])).rowCount).toBe(0);
            } else if (mode === 'selective') {
              expect((await sql.query('UPDATE resource_shares SET created_at = now() WHERE resource_id = $1', [res[mode]])).rowCount).toBe(2);
            }
            expect((await sql.query(`UPDATE resources SET sharing_mode = 'selective' WHERE id = $1`, [res[mode]])).rowCount).toBe(owner ? 1 : 0);
          });
        });
      }
    });
  }

  it('only a platform tenant may publish globally: the database refuses the others', async () => {
    await asTenant(t.client.id, async (sql) => {
      expect(await sqlError(sql, `INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'agent', 'x', 'global')`, [t.client.id]))
        .toBe('42501');
      const { rows } = await sql.query(`INSERT INTO resources (tenant_id, kind, name) VALUES ($1, 'agent', 'x') RETURNING id`, [t.client.id]);
      expect(await sqlError(sql, `UPDATE resources SET sharing_mode = 'global' WHERE id = $1`, [rows[0].id])).toBe('42501');
      expect((await sql.query(`UPDATE resources SET sharing_mode = 'selective' WHERE id = $1`, [rows[0].id])).rowCount).toBe(1);
    });
    await asTenant(t.platform.id, async (sql) => {
      expect(await sqlError(sql, `INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'agent', 'x', 'global')`, [t.platform.id]))
        .toBeUndefined();
    });
  });

  it('INSERT with another tenant id fails WITH CHECK, for resources and shares', async () => {
    await asTenant(t.listed.id, async (sql) => {
      expect(await sqlError(sql, `INSERT INTO resources (tenant_id, kind, name) VALUES ($1, 'agent', 'x')`, [t.owner.id])).toBe('42501');
      expect(await sqlError(sql, `INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'agent', 'x', 'global')`, [t.owner.id])).toBe('42501');
    });
  });

  it('a share row of a resource that is no longer selective shows nothing', async () => {
    await asTenant(t.owner.id, async (sql) => {
      await sql.query(`UPDATE resources SET sharing_mode = 'private' WHERE id = $1`, [res.selective]);
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(t.listed.id)]);
      expect((await sql.query('SELECT id FROM resources WHERE id = $1', [res.selective])).rowCount).toBe(0);
      // and narrowing (dropping the share) hides it at once
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(t.owner.id)]);
      await sql.query(`UPDATE resources SET sharing_mode = 'selective' WHERE id = $1`, [res.selective]);
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(t.listed.id)]);
      expect((await sql.query('SELECT id FROM resources WHERE id = $1', [res.selective])).rowCount).toBe(1);
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(t.owner.id)]);
      expect((await sql.query('DELETE FROM resource_shares WHERE resource_id = $1', [res.selective])).rowCount).toBe(1);
      await sql.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(t.listed.id)]);
      expect((await sql.query('SELECT id FROM resources WHERE id = $1', [res.selective])).rowCount).toBe(0);
    });
  });

  it('with no tenant or a cleared setting, not even global rows are visible', async () => {
    for (const setting of [null, '']) {
      await asTenant(setting, async (sql) => {
        expect((await sql.query('SELECT count(*)::int AS n FROM resources WHERE id = $1', [res.global])).rows[0].n).toBe(0);
      });
    }
  });
});
