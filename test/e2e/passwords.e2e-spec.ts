import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken, type TestUser } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asTenant, platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

describe('passwords: change, reset by a tenant admin or a platform admin', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  const http = () => request(app.getHttpServer());

  const login = (t: TestTenant, email: string, password: string) =>
    http().post('/v1/auth/login').set('X-Tenant-ID', t.subdomain).send({ email, password });
  const session = async (t: TestTenant, u: { email: string; password: string }): Promise<Tokens> =>
    (await login(t, u.email, u.password).expect(200)).body;
  const refresh = (refreshToken: string) => http().post('/v1/auth/refresh').send({ refreshToken });
  const redeem = (t: TestTenant, resetToken: string, newPassword: string) =>
    http().post('/v1/auth/password-reset').set('X-Tenant-ID', t.subdomain).send({ resetToken, newPassword });
  const tokenOf = (u: TestUser) => bearer(tenantToken(app, { tenantId: u.tenantId, userId: u.id, role: u.role }));
  const tenantAudit = (tenantId: string, action: string, targetId: string) =>
    asTenant(tenantId, async (sql) => {
      const { rows } = await sql.query('SELECT actor_id, detail FROM audit_logs WHERE action = $1 AND target_id = $2 ORDER BY created_at', [
        action,
        targetId,
      ]);
      return rows as { actor_id: string | null; detail: Record<string, unknown> }[];
    });
  const platformAudit = (action: string, targetId: string) =>
    platformCommit(async (sql) => {
      const { rows } = await sql.query(
        'SELECT actor_id, target_tenant_id, detail FROM platform_audit_logs WHERE action = $1 AND target_id = $2 ORDER BY created_at',
        [action, targetId],
      );
      return rows as { actor_id: string | null; target_tenant_id: string | null; detail: Record<string, unknown> }[];
    });
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  /** Every session of the user is gone: each refresh token fails. */
  const expectRefreshRefused = async (...sessions: Tokens[]) => {
    for (const s of sessions) expect((await refresh(s.refreshToken).expect(401)).body.code).toBe('unauthorized');
  };

  beforeAll(async () => {
    app = await createTestApp();
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  describe('changing one\'s own password', () => {
    it('a tenant user: the current password is needed; the other sessions end, this one stays; the new password logs in', async () => {
      const u = await createUser(a.id, { role: 'member' });
      const mine = await session(a, u);
      const other = await session(a, u);
      const third = await session(a, u);
      const change = (body: object) => http().post('/v1/auth/password').set(bearer(mine.accessToken)).send(body);

      const wrong = await change({ currentPassword: 'not the password at all', newPassword: 'a brand new password' }).expect(400);
      expect(wrong.body.code).toBe('invalid_current_password');
      // the policy, the same as for a new user
      expect((await change({ currentPassword: u.password, newPassword: 'short' }).expect(400)).body.errors[0].field).toBe('newPassword');
      expect((await change({ currentPassword: u.password, newPassword: u.email.toUpperCase() }).expect(400)).body.code).toBe('validation_failed');
      await change({ currentPassword: u.password }).expect(400);
      // nothing changed so far: the other sessions still refresh
      const otherNext: Tokens = (await refresh(other.refreshToken).expect(200)).body;

      await change({ currentPassword: u.password, newPassword: 'a brand new password' }).expect(204);
      await expectRefreshRefused(otherNext, third);
      // the calling session keeps working, and refreshes
      await http().get('/v1/auth/me').set(bearer(mine.accessToken)).expect(200);
      const mineNext: Tokens = (await refresh(mine.refreshToken).expect(200)).body;
      await http().get('/v1/auth/me').set(bearer(mineNext.accessToken)).expect(200);

      expect((await login(a, u.email, u.password).expect(401)).body.code).toBe('invalid_credentials');
      await login(a, u.email, 'a brand new password').expect(200);

      const changed = await tenantAudit(a.id, 'user.password_changed', u.id);
      expect(changed).toHaveLength(1);
      expect(changed[0].actor_id).toBe(u.id);
      // other (used by its refresh), otherNext and third
      expect(changed[0].detail).toEqual({ revokedRefreshTokens: 3, keptCurrentSession: true });
      expect(await tenantAudit(a.id, 'user.password_change_failed', u.id)).toHaveLength(1);
      const all = await asTenant(a.id, async (sql) => (await sql.query('SELECT detail FROM audit_logs WHERE target_id = $1', [u.id])).rows);
      expect(JSON.stringify(all)).not.toContain('brand new');
      expect(JSON.stringify(all)).not.toContain(u.password);
    });

    it('a platform admin of any role: the current password is needed; the other sessions end; the new password logs in', async () => {
      const admin = await createPlatformAdmin({ role: 'viewer' });
      const plogin = (password: string) => http().post('/v1/platform/auth/login').send({ email: admin.email, password });
      const prefresh = (t: Tokens) => http().post('/v1/platform/auth/refresh').send({ refreshToken: t.refreshToken });
      const mine: Tokens = (await plogin(admin.password).expect(200)).body;
      const other: Tokens = (await plogin(admin.password).expect(200)).body;
      const change = (body: object) => http().post('/v1/platform/auth/password').set(bearer(mine.accessToken)).send(body);

      expect((await change({ currentPassword: 'wrong password here', newPassword: 'a new platform password' }).expect(400)).body.code).toBe(
        'invalid_current_password',
      );
      expect((await change({ currentPassword: admin.password, newPassword: 'too short' }).expect(400)).body.code).toBe('validation_failed');
      const otherNext: Tokens = (await prefresh(other).expect(200)).body;

      await change({ currentPassword: admin.password, newPassword: 'a new platform password' }).expect(204);
      await prefresh(otherNext).expect(401);
      await prefresh(mine).expect(200);
      expect((await plogin(admin.password).expect(401)).body.code).toBe('invalid_credentials');
      await plogin('a new platform password').expect(200);

      const changed = await platformAudit('platform_admin.password_changed', admin.id);
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({ actor_id: admin.id, detail: { revokedRefreshTokens: 2, keptCurrentSession: true } });
      expect(await platformAudit('platform_admin.password_change_failed', admin.id)).toHaveLength(1);
      // a tenant token is not a platform admin
      const member = await createUser(a.id);
      await http().post('/v1/platform/auth/password').set(tokenOf(member)).send({ currentPassword: member.password, newPassword: 'a brand new password' }).expect(403);
    });
  });

  describe('resets by a tenant admin', () => {
    it('a single-use token (stored hashed, 15 minutes) sets a new password once; every session of the user ends; audited', async () => {
      const admin = await createUser(a.id, { role: 'admin' });
      const member = await createUser(a.id, { role: 'member' });
      const s1 = await session(a, member);
      const s2 = await session(a, member);

      const before = Date.now();
      const issued = await http().post(`/v1/users/${member.id}/password-reset`).set(tokenOf(admin)).expect(200);
      expect(issued.body).toEqual({ resetToken: expect.any(String), expiresAt: expect.any(String) });
      const { resetToken, expiresAt } = issued.body as { resetToken: string; expiresAt: string };
      const ttl = (Date.parse(expiresAt) - before) / 1000;
      expect(ttl).toBeGreaterThan(14 * 60);
      expect(ttl).toBeLessThanOrEqual(15 * 60 + 5);
      // only the hash is stored
      await asTenant(a.id, async (sql) => {
        const { rows } = await sql.query('SELECT token_hash, used_at FROM password_resets WHERE user_id = $1', [member.id]);
        expect(rows).toEqual([{ token_hash: sha256(resetToken), used_at: null }]);
      });
      // the token does nothing in another tenant (RLS hides its row)
      expect((await redeem(b, resetToken, 'the reset password').expect(400)).body.code).toBe('invalid_reset_token');
      // a new password that breaks the policy leaves the token unused
      expect((await redeem(a, resetToken, member.email).expect(400)).body.code).toBe('validation_failed');

      await redeem(a, resetToken, 'the reset password').expect(204);
      await expectRefreshRefused(s1, s2);
      await login(a, member.email, member.password).expect(401);
      await login(a, member.email, 'the reset password').expect(200);

      // used once: a second use is refused, and the password stays
      const reuse = await redeem(a, resetToken, 'another reset password').expect(400);
      expect(reuse.body.code).toBe('invalid_reset_token');
      await login(a, member.email, 'another reset password').expect(401);
      expect((await redeem(a, 'x'.repeat(43), 'another reset password').expect(400)).body.code).toBe('invalid_reset_token');

      const issuedAudit = await tenantAudit(a.id, 'user.password_reset_issued', member.id);
      expect(issuedAudit).toHaveLength(1);
      expect(issuedAudit[0]).toMatchObject({ actor_id: admin.id, detail: { email: member.email, by: 'tenant_admin' } });
      const done = await tenantAudit(a.id, 'user.password_reset', member.id);
      expect(done).toHaveLength(1);
      expect(done[0].detail).toEqual({ via: 'reset_token', revokedRefreshTokens: 2 });
      expect((await tenantAudit(a.id, 'user.password_reset_refused', member.id)).map((e) => e.detail)).toEqual([{ reason: 'used' }]);
      const all = await asTenant(a.id, async (sql) => (await sql.query('SELECT detail FROM audit_logs WHERE target_id = $1', [member.id])).rows);
      expect(JSON.stringify(all)).not.toContain(resetToken);
      expect(JSON.stringify(all)).not.toContain('the reset password');
    });

    it('an expired token is refused and changes nothing', async () => {
      const admin = await createUser(a.id, { role: 'admin' });
      const member = await createUser(a.id);
      const s = await session(a, member);
      const { resetToken } = (await http().post(`/v1/users/${member.id}/password-reset`).set(tokenOf(admin)).expect(200)).body;
      await platformCommit((sql) =>
        sql.query(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND user_id = $2`, [a.id, member.id]),
      );
      expect((await redeem(a, resetToken, 'the reset password').expect(400)).body.code).toBe('invalid_reset_token');
      await login(a, member.email, member.password).expect(200);
      await refresh(s.refreshToken).expect(200);
      expect((await tenantAudit(a.id, 'user.password_reset_refused', member.id)).map((e) => e.detail)).toEqual([{ reason: 'expired' }]);
    });

    it('a newer token voids the earlier one', async () => {
      const admin = await createUser(a.id, { role: 'admin' });
      const member = await createUser(a.id);
      const first = (await http().post(`/v1/users/${member.id}/password-reset`).set(tokenOf(admin)).expect(200)).body.resetToken;
      const second = (await http().post(`/v1/users/${member.id}/password-reset`).set(tokenOf(admin)).expect(200)).body.resetToken;
      expect(second).not.toBe(first);
      await redeem(a, first, 'the first reset password').expect(400);
      await redeem(a, second, 'the second reset password').expect(204);
    });

    it('a member cannot reset (403); another tenant\'s user and an unknown user are 404', async () => {
      const member = await createUser(a.id, { role: 'member' });
      const other = await createUser(a.id, { role: 'member' });
      const readOnly = await createUser(a.id, { role: 'read_only' });
      for (const caller of [member, readOnly]) {
        const res = await http().post(`/v1/users/${other.id}/password-reset`).set(tokenOf(caller)).expect(403);
        expect(res.body.code).toBe('forbidden');
      }
      const adminA = await createUser(a.id, { role: 'admin' });
      const userB = await createUser(b.id, { role: 'member' });
      const cross = await http().post(`/v1/users/${userB.id}/password-reset`).set(tokenOf(adminA)).expect(404);
      expect(cross.body.code).toBe('resource_not_found');
      await http().post(`/v1/users/${randomUUID()}/password-reset`).set(tokenOf(adminA)).expect(404);
      await http().post('/v1/users/not-a-uuid/password-reset').set(tokenOf(adminA)).expect(400);
      const rows = await platformCommit(async (sql) => (await sql.query('SELECT 1 FROM password_resets WHERE user_id = ANY($1::uuid[])', [[other.id, userB.id]])).rows);
      expect(rows).toHaveLength(0);
    });
  });

  describe('resets by a platform admin', () => {
    it('of a tenant admin: the token works once, then is refused; every session ends; audited in both trails', async () => {
      const operator = await createPlatformAdmin({ role: 'operator' });
      const auth = bearer(platformToken(app, operator.id, 'operator'));
      const tenantAdmin = await createUser(a.id, { role: 'admin' });
      const s1 = await session(a, tenantAdmin);
      const s2 = await session(a, tenantAdmin);

      const issued = await http().post(`/v1/admin/tenants/${a.id}/users/${tenantAdmin.id}/password-reset`).set(auth).expect(200);
      const { resetToken } = issued.body as { resetToken: string };
      expect(issued.body).toEqual({ resetToken: expect.any(String), expiresAt: expect.any(String) });
      // the user's sessions last until the token is used
      const s1Next: Tokens = (await refresh(s1.refreshToken).expect(200)).body;

      // the tenant comes from the Host this time
      await http()
        .post('/v1/auth/password-reset')
        .set('Host', `${a.subdomain}.localtest.me`)
        .send({ resetToken, newPassword: 'reset by the platform' })
        .expect(204);
      await expectRefreshRefused(s1Next, s2);
      await login(a, tenantAdmin.email, tenantAdmin.password).expect(401);
      await login(a, tenantAdmin.email, 'reset by the platform').expect(200);
      expect((await redeem(a, resetToken, 'reset by the platform again').expect(400)).body.code).toBe('invalid_reset_token');

      const tenantTrail = await tenantAudit(a.id, 'user.password_reset_issued', tenantAdmin.id);
      expect(tenantTrail).toHaveLength(1);
      expect(tenantTrail[0]).toMatchObject({ actor_id: null, detail: { by: 'platform_admin', platformAdminId: operator.id, email: tenantAdmin.email } });
      const platformTrail = await platformAudit('tenant_user.password_reset_issued', tenantAdmin.id);
      expect(platformTrail).toHaveLength(1);
      expect(platformTrail[0]).toMatchObject({ actor_id: operator.id, target_tenant_id: a.id, detail: { email: tenantAdmin.email, role: 'admin' } });
      expect(JSON.stringify([tenantTrail, platformTrail])).not.toContain(resetToken);
      expect(await tenantAudit(a.id, 'user.password_reset', tenantAdmin.id)).toHaveLength(1);
    });

    it('an expired platform-issued token is refused', async () => {
      const owner = await createPlatformAdmin({ role: 'owner' });
      const tenantAdmin = await createUser(b.id, { role: 'admin' });
      const { resetToken } = (
        await http().post(`/v1/admin/tenants/${b.id}/users/${tenantAdmin.id}/password-reset`).set(bearer(platformToken(app, owner.id))).expect(200)
      ).body;
      await platformCommit((sql) => sql.query(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [tenantAdmin.id]));
      expect((await redeem(b, resetToken, 'reset by the platform').expect(400)).body.code).toBe('invalid_reset_token');
      await login(b, tenantAdmin.email, tenantAdmin.password).expect(200);
    });

    it('a viewer cannot reset (403); a user of another tenant or an unknown tenant is 404; a tenant token is 403', async () => {
      const viewer = await createPlatformAdmin({ role: 'viewer' });
      const operator = await createPlatformAdmin({ role: 'operator' });
      const userA = await createUser(a.id, { role: 'admin' });
      const path = (tenantId: string, userId: string) => `/v1/admin/tenants/${tenantId}/users/${userId}/password-reset`;
      expect((await http().post(path(a.id, userA.id)).set(bearer(platformToken(app, viewer.id, 'viewer'))).expect(403)).body.code).toBe('forbidden');
      const op = bearer(platformToken(app, operator.id, 'operator'));
      expect((await http().post(path(b.id, userA.id)).set(op).expect(404)).body.code).toBe('resource_not_found');
      await http().post(path(randomUUID(), userA.id)).set(op).expect(404);
      await http().post(path(a.id, 'nope')).set(op).expect(400);
      await http().post(path(a.id, userA.id)).set(tokenOf(userA)).expect(403);
      const rows = await platformCommit(async (sql) => (await sql.query('SELECT 1 FROM password_resets WHERE user_id = $1', [userA.id])).rows);
      expect(rows).toHaveLength(0);
    });
  });
});
