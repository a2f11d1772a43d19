import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { requestContext } from '../../src/common/request-context.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { loadContextKey, rotateContextKey } from '../../src/database/tenant-context.js';
import { createTestApp } from '../helpers/create-app.js';
import { platformCommit } from '../helpers/db.js';
import { testEndpoints } from '../helpers/env.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

/**
 * Rotating the tenant context key (`npm run keys:rotate`): the key it replaces stays accepted,
 * so instances started before keep working until they restart; the rotation after that drops
 * it, and an instance still signing with it sees no tenant at all (fail closed), never another.
 */
describe('tenant context key rotation', () => {
  const apps: NestFastifyApplication[] = [];
  let tenant: TestTenant;

  beforeAll(async () => {
    tenant = await createTenant();
    await platformCommit((sql) => sql.query(`INSERT INTO resources (tenant_id, kind, name) VALUES ($1, 'doc', 'one')`, [tenant.id]));
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
  });

  async function start(): Promise<NestFastifyApplication> {
    const app = await createTestApp();
    apps.push(app);
    return app;
  }

  /** What the app's tenant transaction sees: its tenant and that tenant's resources. */
  function seen(app: NestFastifyApplication): Promise<{ tenant: string | null; resources: number }> {
    return app.get(DatabaseSessions).runAsTenant(tenant.id, async () => {
      const em = await requestContext.tenantManager();
      const [row] = await em.query('SELECT app.current_tenant_id()::text AS tenant, (SELECT count(*)::int FROM resources) AS resources');
      return row;
    });
  }

  async function asOwner<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: testEndpoints().ownerUrl });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  }

  it('keeps the replaced key accepted for one rotation, then refuses it', async () => {
    const first = await start();
    const key1 = await asOwner((c) => loadContextKey(c));
    expect(await seen(first)).toEqual({ tenant: tenant.id, resources: 1 });

    const r1 = await asOwner((c) => rotateContextKey(c));
    expect(r1.previous).toBe(key1!.kid);
    expect(r1.current).not.toBe(key1!.kid);
    // the running instance still signs with key 1: accepted during the rotation
    expect(await seen(first)).toEqual({ tenant: tenant.id, resources: 1 });
    const second = await start(); // signs with key 2
    expect(await seen(second)).toEqual({ tenant: tenant.id, resources: 1 });

    const r2 = await asOwner((c) => rotateContextKey(c));
    expect(r2.previous).toBe(r1.current);
    // key 1 is gone: the instance that never restarted sees no tenant and no rows
    expect(await seen(first)).toEqual({ tenant: null, resources: 0 });
    expect(await seen(second)).toEqual({ tenant: tenant.id, resources: 1 });
    const third = await start();
    expect(await seen(third)).toEqual({ tenant: tenant.id, resources: 1 });
    const kept = await asOwner(async (c) =>
      (await c.query('SELECT kid, current FROM app.tenant_context_keys ORDER BY current DESC')).rows);
    expect(kept).toEqual([{ kid: r2.current, current: true }, { kid: r1.current, current: false }]);
  });

});
