import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { PurgeService } from '../../src/modules/registry/purge.service.js';
import { createTestApp } from '../helpers/create-app.js';
import { asTenant, platformCommit } from '../helpers/db.js';
import { testEndpoints } from '../helpers/env.js';
import { createTenant } from '../helpers/factories.js';

/** Row counts seen without RLS (superuser when the embedded server gives one, else the owner). */
async function count(sqlText: string, params: unknown[]): Promise<number> {
  const { superuserUrl, ownerUrl } = testEndpoints();
  const sql = new pg.Client({ connectionString: superuserUrl ?? ownerUrl });
  await sql.connect();
  try {
    return (await sql.query(sqlText, params)).rows[0].n;
  } finally {
    await sql.end();
  }
}

describe('purging a tenant removes its resources and the shares it granted or received', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('leaves the other tenants their own resources and their shares among themselves', async () => {
    const doomed = (await createTenant()).id;
    const a = (await createTenant()).id;
    const b = (await createTenant()).id;
    const ids = await platformCommit(async (sql) => {
      // the id is chosen here: the platform role may not read a private row back (0031)
      const ins = async (owner: string, mode: string) => {
        const id = randomUUID();
        await sql.query(`INSERT INTO resources (tenant_id, id, kind, name, sharing_mode) VALUES ($1, $2, 'agent', 'r', $3)`, [owner, id, mode]);
        return id;
      };
      const share = (owner: string, id: string, grantee: string) =>
        sql.query('INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id) VALUES ($1, $2, $3)', [owner, id, grantee]);
      const granted = await ins(doomed, 'selective'); // doomed → a, b
      await share(doomed, granted, a);
      await share(doomed, granted, b);
      await ins(doomed, 'private');
      const received = await ins(a, 'selective'); // a → doomed, b
      await share(a, received, doomed);
      await share(a, received, b);
      return { granted, received };
    });
    await asTenant(doomed, async (sql) => {
      // its own two, and the one shared with it
      expect((await sql.query('SELECT count(*)::int AS n FROM resources WHERE tenant_id = $1', [doomed])).rows[0].n).toBe(2);
      expect((await sql.query('SELECT id FROM resources WHERE tenant_id <> $1', [doomed])).rows).toEqual([{ id: ids.received }]);
    });

    await platformCommit((sql) => sql.query(
      `UPDATE tenants SET status = 'deleted', deleted_at = now(), purge_after = now() - interval '1 second' WHERE id = $1`, [doomed]));
    const report = await app.get(PurgeService).purgeDue();
    expect(report.purged.map((p) => p.id)).toEqual([doomed]);

    expect(await count('SELECT count(*)::int AS n FROM resources WHERE tenant_id = $1', [doomed])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM resource_shares WHERE tenant_id = $1 OR grantee_tenant_id = $1', [doomed])).toBe(0);
    // a keeps its resource and its share with b; b no longer sees the doomed tenant's resource
    expect(await count('SELECT count(*)::int AS n FROM resource_shares WHERE resource_id = $1', [ids.received])).toBe(1);
    await asTenant(b, async (sql) => {
      const { rows } = await sql.query('SELECT id FROM resources WHERE id = ANY($1)', [[ids.granted, ids.received]]);
      expect(rows.map((r) => r.id)).toEqual([ids.received]);
    });
  });
});
