import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken, type TestUser } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asTenant, platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

describe('auth sessions: refresh, logout, invalidation', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  const http = () => request(app.getHttpServer());

  const login = async (t: TestTenant, u: TestUser) =>
    (await http().post('/v1/auth/login').set('X-Tenant-ID', t.subdomain).send({ email: u.email, password: u.password }).expect(200)).body;

  const familyState = (tenantId: string, userId: string) =>
    asTenant(tenantId, async (sql) => {
      const { rows } = await sql.query(
        'SELECT count(*)::int AS total, count(revoked_at)::int AS revoked, count(used_at)::int AS used FROM refresh_tokens WHERE user_id = $1',
        [userId],
      );
      return rows[0] as { total: number; revoked: number; used: number };
    });

  beforeAll(async () => {
    // a fresh cache read on every request: suspension is seen at once without the NOTIFY listener
    app = await createTestApp({ env: { TENANT_CACHE_TTL_MS: '0' } });
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  it('rotates the refresh token on every refresh; the new tokens work, the old one is used up', async () => {
    const u = await createUser(a.id, { role: 'member' });
    const first = await login(a, u);
    const second = (await http().post('/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
    expect(second).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), tokenType: 'Bearer', expiresIn: 900 });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    const me = await http().get('/v1/auth/me').set(bearer(second.accessToken)).expect(200);
    expect(me.body.user.id).toBe(u.id);
    const third = (await http().post('/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(200)).body;
    expect(third.refreshToken).not.toBe(second.refreshToken);
    // stored as hashes only: the clear token is nowhere in the table
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query('SELECT token_hash FROM refresh_tokens WHERE user_id = $1', [u.id]);
      expect(rows).toHaveLength(3);
      for (const r of rows) expect([first, second, third].map((t) => t.refreshToken)).not.toContain(r.token_hash);
      const { rows: audit } = await sql.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.refresh' AND actor_id = $1`, [u.id]);
      expect(audit[0].n).toBe(2);
    });
  });

  it('a refresh token used twice revokes its whole family and is audited (ISOLATION 21)', async () => {
    const u = await createUser(a.id);
    const first = await login(a, u);
    const second = (await http().post('/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
    // the attacker (or the victim) presents the used token again
    const reuse = await http().post('/v1/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    expect(reuse.body.code).toBe('unauthorized');
    // the legitimate successor is dead too
    await http().post('/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
    expect(await familyState(a.id, u.id)).toEqual({ total: 2, revoked: 2, used: 1 });
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query(`SELECT actor_id, detail FROM audit_logs WHERE action = 'auth.refresh_reuse' AND actor_id = $1`, [u.id]);
      expect(rows).toHaveLength(1);
    });
    // another login starts a new family that works
    const again = await login(a, u);
    await http().post('/v1/auth/refresh').send({ refreshToken: again.refreshToken }).expect(200);
  });

  it('logout revokes the session: its refresh token no longer works', async () => {
    const u = await createUser(a.id);
    const t = await login(a, u);
    await http().post('/v1/auth/logout').send({ refreshToken: t.refreshToken }).expect(204);
    await http().post('/v1/auth/refresh').send({ refreshToken: t.refreshToken }).expect(401);
    // logging out twice, or with an unknown token, is harmless
    await http().post('/v1/auth/logout').send({ refreshToken: t.refreshToken }).expect(204);
    await http().post('/v1/auth/logout').send({ refreshToken: `${a.id}.nonsense-token-value` }).expect(204);
  });

  it('refuses garbage, forged prefixes and a token presented with another tenant named', async () => {
    const u = await createUser(a.id);
    const t = await login(a, u);
    await http().post('/v1/auth/refresh').send({ refreshToken: 'not-a-refresh-token' }).expect(401);
    // a well-formed token of a tenant that does not exist is just invalid
    const ghost = await http().post('/v1/auth/refresh').send({ refreshToken: `${randomUUID()}.${'x'.repeat(43)}` }).expect(401);
    expect(ghost.body.code).toBe('unauthorized');
    await http().post('/v1/auth/refresh').send({}).expect(400);
    // moved to tenant B's prefix: the hash matches nothing there
    const moved = t.refreshToken.replace(a.id, b.id);
    await http().post('/v1/auth/refresh').send({ refreshToken: moved }).expect(401);
    const mismatch = await http().post('/v1/auth/refresh').set('X-Tenant-ID', b.subdomain).send({ refreshToken: t.refreshToken }).expect(403);
    expect(mismatch.body.code).toBe('tenant_mismatch');
    const host = await http().post('/v1/auth/refresh').set('Host', `${b.subdomain}.localtest.me`).send({ refreshToken: t.refreshToken }).expect(403);
    expect(host.body.code).toBe('tenant_mismatch');
    // the refused attempts did not use the token up
    await http().post('/v1/auth/refresh').set('X-Tenant-ID', a.id).send({ refreshToken: t.refreshToken }).expect(200);
  });

  it('login needs a tenant, and a suspended tenant cannot log in', async () => {
    const u = await createUser(a.id);
    const none = await http().post('/v1/auth/login').send({ email: u.email, password: u.password }).expect(400);
    expect(none.body.code).toBe('tenant_required');
    const t = await createTenant({ status: 'suspended' });
    const v = await createUser(t.id);
    const res = await http().post('/v1/auth/login').set('X-Tenant-ID', t.subdomain).send({ email: v.email, password: v.password }).expect(403);
    expect(res.body.code).toBe('tenant_suspended');
  });

  it('an expired refresh token is refused', async () => {
    const u = await createUser(a.id);
    const t = await login(a, u);
    await platformCommit((sql) => sql.query(`UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [u.id]));
    await http().post('/v1/auth/refresh').send({ refreshToken: t.refreshToken }).expect(401);
  });

  it('disabling a user stops its access token on the next request and revokes its refresh tokens', async () => {
    const u = await createUser(a.id);
    const t = await login(a, u);
    await http().get('/v1/auth/me').set(bearer(t.accessToken)).expect(200);
    await platformCommit((sql) => sql.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [u.id]));
    const res = await http().get('/v1/auth/me').set(bearer(t.accessToken)).expect(401);
    expect(res.body.code).toBe('unauthorized');
    expect((await familyState(a.id, u.id)).revoked).toBe(1); // trigger of 0005
    await http().post('/v1/auth/refresh').send({ refreshToken: t.refreshToken }).expect(401);
    await http().post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email: u.email, password: u.password }).expect(401);
  });

  it('deleting a user stops its access token on the next request', async () => {
    const u = await createUser(a.id, { role: 'admin' });
    const t = await login(a, u);
    await http().get('/v1/tenant').set(bearer(t.accessToken)).expect(200);
    await platformCommit((sql) => sql.query('DELETE FROM users WHERE id = $1', [u.id]));
    await http().get('/v1/tenant').set(bearer(t.accessToken)).expect(401);
    await http().post('/v1/auth/refresh').send({ refreshToken: t.refreshToken }).expect(401);
  });

  // The user check shares a round trip with the handler's first query; its verdict still decides
  // the answer, and what the handler wrote is rolled back.
  it("a disabled admin's write is refused with 401 and leaves nothing behind; a 404 route answers 401 too", async () => {
    const admin = await createUser(a.id, { role: 'admin' });
    const t = await login(a, admin);
    await platformCommit((sql) => sql.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [admin.id]));
    const email = `late-${randomUUID().slice(0, 8)}@example.test`;
    const res = await http()
      .post('/v1/users')
      .set(bearer(t.accessToken))
      .send({ email, password: 'a-long-enough-password', role: 'member' })
      .expect(401);
    expect(res.body.code).toBe('unauthorized');
    const left = await asTenant(a.id, async (sql) => (await sql.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [email])).rows[0].n);
    expect(left).toBe(0);
    await http().patch(`/v1/users/${randomUUID()}`).set(bearer(t.accessToken)).send({ role: 'member' }).expect(401);
  });

  it('a token for a user id that never existed, or with a stale role, is refused', async () => {
    const u = await createUser(a.id, { role: 'member' });
    const ghost = tenantToken(app, { tenantId: a.id, userId: b.id, role: 'admin' });
    await http().get('/v1/tenant').set(bearer(ghost)).expect(401);
    // the user was demoted after the token was issued: the admin token must not keep working
    const stale = tenantToken(app, { tenantId: a.id, userId: u.id, role: 'admin' });
    await http().get('/v1/tenant').set(bearer(stale)).expect(401);
    await http().get('/v1/tenant').set(bearer(tenantToken(app, { tenantId: a.id, userId: u.id, role: 'member' }))).expect(200);
  });

  it('suspending a tenant stops its live tokens on the next request and revokes refresh tokens (ISOLATION 22)', async () => {
    const t = await createTenant();
    const u = await createUser(t.id, { role: 'admin' });
    const tokens = await login(t, u);
    await http().get('/v1/tenant').set(bearer(tokens.accessToken)).expect(200);
    const admin = await createPlatformAdmin();
    const p = (await http().post('/v1/platform/auth/login').send({ email: admin.email, password: admin.password }).expect(200)).body;
    await http().post(`/v1/admin/tenants/${t.id}/suspend`).set(bearer(p.accessToken)).send({ reason: 'test' }).expect(200);
    const res = await http().get('/v1/tenant').set(bearer(tokens.accessToken)).expect(403);
    expect(res.body.code).toBe('tenant_suspended');
    expect((await http().post('/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(403)).body.code).toBe('tenant_suspended');
    expect((await familyState(t.id, u.id)).revoked).toBe(1);
    // reactivation does not bring the old refresh token back
    await http().post(`/v1/admin/tenants/${t.id}/reactivate`).set(bearer(p.accessToken)).expect(200);
    await http().post('/v1/auth/refresh').send({ refreshToken: tokens.refreshToken }).expect(401);
  });

  describe('platform sessions', () => {
    it('refresh rotates, reuse revokes the family, logout revokes', async () => {
      const admin = await createPlatformAdmin();
      const first = (await http().post('/v1/platform/auth/login').send({ email: admin.email, password: admin.password }).expect(200)).body;
      expect(first.refreshToken).toMatch(/^p\./);
      const second = (await http().post('/v1/platform/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200)).body;
      await http().get('/v1/admin/tenants').set(bearer(second.accessToken)).expect(200);
      await http().post('/v1/platform/auth/refresh').send({ refreshToken: first.refreshToken }).expect(401);
      await http().post('/v1/platform/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
      // a tenant refresh token is not a platform one, and the other way round
      const u = await createUser(a.id);
      const tenantTokens = await login(a, u);
      await http().post('/v1/platform/auth/refresh').send({ refreshToken: tenantTokens.refreshToken }).expect(401);
      const again = (await http().post('/v1/platform/auth/login').send({ email: admin.email, password: admin.password }).expect(200)).body;
      await http().post('/v1/auth/refresh').send({ refreshToken: again.refreshToken }).expect(401);
      await http().post('/v1/platform/auth/logout').send({ refreshToken: again.refreshToken }).expect(204);
      await http().post('/v1/platform/auth/refresh').send({ refreshToken: again.refreshToken }).expect(401);
    });

    it('a disabled platform admin loses access at once; logins are audited', async () => {
      const admin = await createPlatformAdmin();
      const t = (await http().post('/v1/platform/auth/login').send({ email: admin.email, password: admin.password }).expect(200)).body;
      await http().post('/v1/platform/auth/login').send({ email: admin.email, password: 'wrong-password-here' }).expect(401);
      await http().get('/v1/admin/tenants').set(bearer(t.accessToken)).expect(200);
      await platformCommit((sql) => sql.query(`UPDATE platform_admins SET status = 'disabled' WHERE id = $1`, [admin.id]));
      await http().get('/v1/admin/tenants').set(bearer(t.accessToken)).expect(401);
      await http().get('/v1/admin/tenants').set(bearer(platformToken(app))).expect(401); // unknown admin id
      const actions = await platformCommit(async (sql) => {
        const { rows } = await sql.query('SELECT action FROM platform_audit_logs WHERE actor_id = $1 ORDER BY created_at', [admin.id]);
        return rows.map((r) => r.action);
      });
      expect(actions).toEqual(expect.arrayContaining(['platform.login', 'platform.login_failed']));
    });
  });
});
