import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { platformCommit } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';
import { DatabaseNotifications } from '../../src/database/database-notifications.js';
import { PrincipalCheck } from '../../src/modules/auth/principal-check.service.js';

/** Within `deadlineMs`, `probe` answers true (the change has reached instance B); the time it took. */
const within = (deadlineMs: number, probe: () => Promise<boolean>) => waitFor('the change to reach instance B', probe, deadlineMs);

describe('the principal check cache is dropped on every instance (NOTIFY principal_changed)', () => {
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;

  beforeAll(async () => {
    // Long TTL: without the notification, B would accept a revoked token for 10 minutes.
    const env = { PRINCIPAL_CACHE_TTL_MS: '600000' };
    a = await createTestApp({ env });
    b = await createTestApp({ env });
    expect(b.get(DatabaseNotifications).listening).toBe(true);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  /** B has served `token` once and holds the user's row in its cache: its next check reads nothing. */
  async function cachedOnB(token: Record<string, string>, userId: string, owner: string) {
    await request(b.getHttpServer()).get('/v1/auth/me').set(token).expect(200);
    expect(b.get(PrincipalCheck).cache.get(userId, owner)).toMatchObject({ state: { status: 'active' } });
  }

  const refusedOnB = (token: Record<string, string>, path = '/v1/auth/me') => async () =>
    (await request(b.getHttpServer()).get(path).set(token)).status === 401;

  it('a user disabled through the API on A is refused on B within one second', async () => {
    const t = await createTenant();
    const admin = await createUser(t.id, { role: 'admin' });
    const u = await createUser(t.id, { role: 'member' });
    const token = bearer(tenantToken(b, { tenantId: t.id, userId: u.id, role: 'member' }));
    await cachedOnB(token, u.id, `tenant:${t.id}`);

    await request(a.getHttpServer()).patch(`/v1/users/${u.id}`)
      .set(bearer(tenantToken(a, { tenantId: t.id, userId: admin.id, role: 'admin' })))
      .send({ status: 'disabled' }).expect(200);
    const took = await within(1000, refusedOnB(token));
    expect(b.get(PrincipalCheck).cache.get(u.id, `tenant:${t.id}`)).toMatchObject({ state: { status: 'disabled' } });
    console.log(`[principal cache] B refused the disabled user after ${took} ms`);
  });

  it('a role change or a delete made in SQL (as in psql), not through the service, is refused on B too', async () => {
    const t = await createTenant();
    const changed = await createUser(t.id, { role: 'admin' });
    const deleted = await createUser(t.id, { role: 'member' });
    const changedToken = bearer(tenantToken(b, { tenantId: t.id, userId: changed.id, role: 'admin' }));
    const deletedToken = bearer(tenantToken(b, { tenantId: t.id, userId: deleted.id, role: 'member' }));
    await cachedOnB(changedToken, changed.id, `tenant:${t.id}`);
    await cachedOnB(deletedToken, deleted.id, `tenant:${t.id}`);

    await platformCommit(async (sql) => {
      await sql.query(`UPDATE users SET role = 'member' WHERE id = $1`, [changed.id]);
      await sql.query('DELETE FROM users WHERE id = $1', [deleted.id]);
    });
    await within(1000, refusedOnB(changedToken));
    await within(1000, refusedOnB(deletedToken));
    // the new role's token works (and is cached again)
    await request(b.getHttpServer()).get('/v1/auth/me')
      .set(bearer(tenantToken(b, { tenantId: t.id, userId: changed.id, role: 'member' }))).expect(200);
  });

  it('a platform admin disabled on A is refused on B within one second', async () => {
    const owner = await createPlatformAdmin();
    const viewer = await createPlatformAdmin({ role: 'viewer' });
    const token = bearer(platformToken(b, viewer.id, 'viewer'));
    await request(b.getHttpServer()).get('/v1/admin/tenants').set(token).expect(200);
    expect(b.get(PrincipalCheck).cache.get(viewer.id, 'platform')).toMatchObject({ state: { role: 'viewer' } });

    await request(a.getHttpServer()).patch(`/v1/admin/platform-admins/${viewer.id}`)
      .set(bearer(platformToken(a, owner.id))).send({ status: 'disabled' }).expect(200);
    await within(1000, refusedOnB(token, '/v1/admin/tenants'));
  });

  it('a rolled-back change notifies nobody: the cached entry stays', async () => {
    const t = await createTenant();
    const u = await createUser(t.id);
    const token = bearer(tenantToken(b, { tenantId: t.id, userId: u.id, role: 'member' }));
    await cachedOnB(token, u.id, `tenant:${t.id}`);
    const generation = b.get(PrincipalCheck).cache.generation;
    await expect(platformCommit(async (sql) => {
      await sql.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [u.id]);
      throw new Error('roll back');
    })).rejects.toThrow('roll back');
    // a committed change of another row, made after: once B has seen it, B has seen everything before
    const other = await createUser(t.id);
    await platformCommit((sql) => sql.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [other.id]));
    await within(1000, async () => b.get(PrincipalCheck).cache.generation > generation);
    expect(b.get(PrincipalCheck).cache.get(u.id, `tenant:${t.id}`)).toMatchObject({ state: { status: 'active' } });
    await request(b.getHttpServer()).get('/v1/auth/me').set(token).expect(200);
  });
});
