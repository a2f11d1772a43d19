import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { asPlatform, asTenant, platformCommit, type Sql } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

// migrations/0031_platform_shared_resources.sql at SQL level, as the platform runtime role: in
// the signed platform scope it reads, narrows and deletes shared resources only, never a private
// one; without that scope it sees nothing at all.
type Mode = 'private' | 'global' | 'selective';

async function sqlError(sql: Sql, text: string, params: unknown[] = []): Promise<string | undefined> {
  await sql.query('SAVEPOINT probe');
  try {
    await sql.query(text, params);
    await sql.query('RELEASE SAVEPOINT probe');
    return undefined;
  } catch (e) {
    await sql.query('ROLLBACK TO SAVEPOINT probe');
    return (e as pg.DatabaseError).code;
  }
}

describe('the platform role and shared resources (0031)', () => {
  let owner: TestTenant;
  let grantee: TestTenant;
  const ids = {} as Record<Mode, string>;
  const all = () => [ids.private, ids.global, ids.selective];

  beforeAll(async () => {
    owner = await createTenant({ type: 'platform' });
    grantee = await createTenant();
    await platformCommit(async (sql) => {
      for (const mode of ['private', 'global', 'selective'] as const) {
        ids[mode] = randomUUID(); // no RETURNING: the platform may not read a private row back
        await sql.query(`INSERT INTO resources (tenant_id, id, kind, name, sharing_mode) VALUES ($1, $2, 'agent', $3, $3)`,
          [owner.id, ids[mode], mode]);
      }
      // a share row for the selective resource, and a stale one left on the private resource
      for (const id of [ids.selective, ids.private]) {
        await sql.query('INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)', [owner.id, id, grantee.id]);
      }
    });
  });

  /** The fixture resources and share rows the transaction can see, by mode. */
  async function seen(sql: Sql) {
    const modes = async (q: string) =>
      (await sql.query(q, [all()])).rows.map((r) => r.sharing_mode as Mode).sort();
    return {
      resources: await modes('SELECT sharing_mode FROM resources WHERE id = ANY($1)'),
      shares: await modes(`SELECT CASE resource_id WHEN ($1::uuid[])[1] THEN 'private' WHEN ($1::uuid[])[2] THEN 'global' ELSE 'selective' END AS sharing_mode
                             FROM resource_shares WHERE resource_id = ANY($1)`),
    };
  }

  it('the owner tenant sees all three and both share rows (the fixtures are there)', async () => {
    expect(await asTenant(owner.id, seen)).toEqual({ resources: ['global', 'private', 'selective'], shares: ['private', 'selective'] });
  });

  it('without the signed platform scope the platform role sees none of them', async () => {
    expect(await asPlatform(seen, false)).toEqual({ resources: [], shares: [] });
    // a bare scope value is no scope (0030)
    expect(await asPlatform(async (sql) => {
      await sql.query("SELECT set_config('app.scope', 'platform', true)");
      return seen(sql);
    }, false)).toEqual({ resources: [], shares: [] });
  });

  it('in platform scope it sees the shared resources and their share rows, never a private one', async () => {
    expect(await asPlatform(seen)).toEqual({ resources: ['global', 'selective'], shares: ['selective'] });
    await asPlatform(async (sql) => {
      expect((await sql.query('SELECT count(*)::int AS n FROM resources WHERE tenant_id = $1', [owner.id])).rows[0].n).toBe(2);
      expect((await sql.query(`SELECT count(*)::int AS n FROM resources WHERE sharing_mode = 'private'`)).rows[0].n).toBe(0);
    });
  });

  it('a private row can be neither changed nor deleted by the platform, and its share rows neither', async () => {
    await asPlatform(async (sql) => {
      expect((await sql.query(`UPDATE resources SET sharing_mode = 'selective' WHERE id = $1`, [ids.private])).rowCount).toBe(0);
      expect((await sql.query('UPDATE resources SET updated_at = now() WHERE id = ANY($1)', [[ids.private, ids.selective]])).rowCount).toBe(1);
      expect((await sql.query('DELETE FROM resources WHERE id = $1', [ids.private])).rowCount).toBe(0);
      expect((await sql.query('DELETE FROM resource_shares WHERE resource_id = $1', [ids.private])).rowCount).toBe(0);
      // a cursor finds no private row to update either
      await sql.query(`DECLARE c CURSOR FOR SELECT 1 FROM resources WHERE id = $1 FOR UPDATE`, [ids.private]);
      expect((await sql.query('FETCH c')).rowCount).toBe(0);
      await sql.query('CLOSE c');
    });
    expect(await asTenant(owner.id, seen)).toEqual({ resources: ['global', 'private', 'selective'], shares: ['private', 'selective'] });
  });

  it('writes only the sharing: name and content stay the tenant\'s, a share row cannot move, nothing becomes global', async () => {
    await asPlatform(async (sql) => {
      expect(await sqlError(sql, `UPDATE resources SET name = 'defaced' WHERE id = $1`, [ids.global])).toBe('42501');
      expect(await sqlError(sql, `UPDATE resources SET content = '{}' WHERE id = $1`, [ids.selective])).toBe('42501');
      expect(await sqlError(sql, 'UPDATE resource_shares SET grantee_tenant_id = $2 WHERE resource_id = $1', [ids.selective, owner.id])).toBe('42501');
      // widening: selective → global fails the UPDATE policy's WITH CHECK
      expect(await sqlError(sql, `UPDATE resources SET sharing_mode = 'global' WHERE id = $1`, [ids.selective])).toBe('42501');
    });
  });

  it('takes a resource down to private through a cursor; a plain UPDATE would leave a row it may not read', async () => {
    await asPlatform(async (sql) => {
      // the new row must pass the read policy when the UPDATE reads the table (its WHERE does)
      expect(await sqlError(sql, `UPDATE resources SET sharing_mode = 'private' WHERE id = $1`, [ids.global])).toBe('42501');
      await sql.query(`DECLARE c CURSOR FOR SELECT 1 FROM resources WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [owner.id, ids.global]);
      expect((await sql.query('FETCH c')).rowCount).toBe(1);
      expect((await sql.query(`UPDATE resources SET sharing_mode = 'private', updated_at = now() WHERE CURRENT OF c`)).rowCount).toBe(1);
      await sql.query('CLOSE c');
      // gone from the platform's view in the same transaction
      expect((await seen(sql)).resources).toEqual(['selective']);
      // and the cursor cannot make anything global either
      await sql.query(`DECLARE w CURSOR FOR SELECT 1 FROM resources WHERE id = $1 FOR UPDATE`, [ids.selective]);
      await sql.query('FETCH w');
      expect(await sqlError(sql, `UPDATE resources SET sharing_mode = 'global' WHERE CURRENT OF w`)).toBe('42501');
    });
  });

  it('deletes shared resources (their share rows cascade) and share rows of shared ones', async () => {
    await asPlatform(async (sql) => {
      expect((await sql.query('DELETE FROM resource_shares WHERE tenant_id = $1', [owner.id])).rowCount).toBe(1);
      expect((await sql.query('DELETE FROM resources WHERE tenant_id = $1', [owner.id])).rowCount).toBe(2);
      expect(await seen(sql)).toEqual({ resources: [], shares: [] });
    });
    // (rolled back) everything is still there for the owner
    expect(await asTenant(owner.id, seen)).toEqual({ resources: ['global', 'private', 'selective'], shares: ['private', 'selective'] });
  });
});
