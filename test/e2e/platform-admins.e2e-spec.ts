import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createPlatformAdmin } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { platformCommit } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}

describe('/v1/admin/platform-admins: roles, lifecycle, the last owner', () => {
  let app: NestFastifyApplication;
  let owner: { id: string; email: string; password: string };
  let ownerAuth: Record<string, string>;
  const http = () => request(app.getHttpServer());

  const login = async (email: string, password: string): Promise<Tokens> =>
    (await http().post('/v1/platform/auth/login').send({ email, password }).expect(200)).body;
  const refresh = (refreshToken: string) => http().post('/v1/platform/auth/refresh').send({ refreshToken });
  const sql = <T>(text: string, params: unknown[] = []): Promise<T[]> =>
    platformCommit(async (c) => (await c.query(text, params)).rows as T[]);
  const audit = (action: string, targetId: string) =>
    sql<{ actor_id: string; detail: Record<string, unknown> }>(
      'SELECT actor_id, detail FROM platform_audit_logs WHERE action = $1 AND target_id = $2 ORDER BY created_at',
      [action, targetId],
    );
  /** Creates an admin through the API as the owner, then logs it in. */
  const newAdmin = async (role: string) => {
    const email = `${role}-${randomUUID().slice(0, 8)}@platform.test`;
    const password = `pw-${randomUUID()}`;
    const created = await http().post('/v1/admin/platform-admins').set(ownerAuth).send({ email, password, role }).expect(201);
    const tokens = await login(email, password);
    return { id: created.body.id as string, email, password, tokens, auth: bearer(tokens.accessToken) };
  };

  beforeAll(async () => {
    // many platform logins in a few seconds; the login rate limit is tested in test/abuse
    app = await createTestApp({ env: { LOGIN_RATE_PER_TENANT: '100000' } });
    owner = await createPlatformAdmin({ role: 'owner' });
    ownerAuth = bearer((await login(owner.email, owner.password)).accessToken);
  });
  afterAll(() => app.close());

  it('an owner creates an admin of each role; the role is in its token; audited without the password', async () => {
    for (const role of ['owner', 'operator', 'viewer']) {
      const email = `New.${role}-${randomUUID().slice(0, 8)}@Platform.test`;
      const password = `a long password for ${role}`;
      const res = await http().post('/v1/admin/platform-admins').set(ownerAuth).send({ email, password, role }).expect(201);
      expect(res.body).toEqual({ id: expect.any(String), email: email.toLowerCase(), role, status: 'active', createdAt: expect.any(String) });
      const tokens = await login(email, password);
      expect((jwt.decode(tokens.accessToken) as jwt.JwtPayload).role).toBe(role);
      const entries = await audit('platform_admin.created', res.body.id);
      expect(entries).toHaveLength(1);
      expect(entries[0].actor_id).toBe(owner.id);
      expect(entries[0].detail).toEqual({ email: email.toLowerCase(), role });
      expect(JSON.stringify(entries[0].detail)).not.toContain(password);
      // only the argon2id hash is stored
      const [row] = await sql<{ password_hash: string }>('SELECT password_hash FROM platform_admins WHERE id = $1', [res.body.id]);
      expect(row.password_hash).toMatch(/^\$argon2id\$/);
    }
  });

  it('refuses a taken email (409), an unknown role, a short password, the email as password and unknown fields (400)', async () => {
    const email = `dup-${randomUUID().slice(0, 8)}@platform.test`;
    await http().post('/v1/admin/platform-admins').set(ownerAuth).send({ email, password: 'long enough password', role: 'viewer' }).expect(201);
    const dup = await http().post('/v1/admin/platform-admins').set(ownerAuth).send({ email: email.toUpperCase(), password: 'long enough password', role: 'owner' }).expect(409);
    expect(dup.body.code).toBe('conflict');
    const bad = [
      { email: 'x1@platform.test', password: 'long enough password', role: 'platform_admin' },
      { email: 'x2@platform.test', password: 'short', role: 'viewer' },
      { email: 'same.as.email@platform.test', password: 'SAME.AS.EMAIL@platform.test', role: 'viewer' },
      { email: 'x3@platform.test', password: 'long enough password', role: 'viewer', status: 'active' },
    ];
    for (const body of bad) {
      const res = await http().post('/v1/admin/platform-admins').set(ownerAuth).send(body).expect(400);
      expect(res.body.code).toBe('validation_failed');
    }
    expect(await sql('SELECT 1 FROM platform_admins WHERE email LIKE $1', ['x_@platform.test'])).toHaveLength(0);
  });

  it('lists admins in pages of {items, page, limit, total} without password hashes', async () => {
    const [{ n }] = await sql<{ n: number }>('SELECT count(*)::int AS n FROM platform_admins');
    expect(n).toBeGreaterThanOrEqual(5);
    const p1 = await http().get('/v1/admin/platform-admins').query({ page: 1, limit: 2 }).set(ownerAuth).expect(200);
    expect(p1.body).toMatchObject({ page: 1, limit: 2, total: n });
    expect(p1.body.items).toHaveLength(2);
    for (const item of p1.body.items) expect(Object.keys(item).sort()).toEqual(['createdAt', 'email', 'id', 'role', 'status']);
    const p2 = await http().get('/v1/admin/platform-admins').query({ page: 2, limit: 2 }).set(ownerAuth).expect(200);
    expect(p2.body.items).toHaveLength(2);
    expect(p2.body.items.map((i: { id: string }) => i.id)).not.toContain(p1.body.items[0].id);
    const all = await http().get('/v1/admin/platform-admins').query({ limit: 100 }).set(ownerAuth).expect(200);
    expect(all.body.items.map((i: { id: string }) => i.id)).toContain(owner.id);
    await http().get('/v1/admin/platform-admins').query({ limit: 101 }).set(ownerAuth).expect(400);
  });

  it('a viewer reads but changes nothing; an operator manages tenants but not platform admins', async () => {
    const viewer = await newAdmin('viewer');
    const operator = await newAdmin('operator');
    const tenant = await createTenant();
    const someone = await newAdmin('viewer');

    // reads: every role
    await http().get('/v1/admin/platform-admins').set(viewer.auth).expect(200);
    await http().get('/v1/admin/tenants').set(viewer.auth).expect(200);
    await http().get(`/v1/admin/tenants/${tenant.id}`).set(viewer.auth).expect(200);

    // the viewer changes nothing
    const writes = [
      () => http().post('/v1/admin/platform-admins').send({ email: 'v@platform.test', password: 'long enough password', role: 'viewer' }),
      () => http().patch(`/v1/admin/platform-admins/${someone.id}`).send({ role: 'owner' }),
      () => http().delete(`/v1/admin/platform-admins/${someone.id}`),
      () => http().post(`/v1/admin/tenants/${tenant.id}/suspend`).send({}),
      () => http().patch(`/v1/admin/tenants/${tenant.id}`).send({ companyName: 'Renamed by a viewer' }),
    ];
    for (const write of writes) {
      const res = await write().set(viewer.auth).expect(403);
      expect(res.body.code).toBe('forbidden');
    }
    // the operator: tenants yes, platform admins no
    for (const write of writes.slice(0, 3)) {
      const res = await write().set(operator.auth).expect(403);
      expect(res.body.code).toBe('forbidden');
    }
    await http().post(`/v1/admin/tenants/${tenant.id}/suspend`).set(operator.auth).send({}).expect(200);
    await http().post(`/v1/admin/tenants/${tenant.id}/reactivate`).set(operator.auth).expect(200);
    const [row] = await sql<{ role: string; status: string }>('SELECT role, status FROM platform_admins WHERE id = $1', [someone.id]);
    expect(row).toEqual({ role: 'viewer', status: 'active' });
    expect(await sql('SELECT 1 FROM platform_admins WHERE email = $1', ['v@platform.test'])).toHaveLength(0);
  });

  it('PATCH changes role and status, audited; the admin\'s access token is refused on its next request and its refresh fails', async () => {
    const x = await newAdmin('operator');
    await http().get('/v1/admin/tenants').set(x.auth).expect(200);

    // demoted: the live token still says operator, so it is refused; the session is gone
    const demoted = await http().patch(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).send({ role: 'viewer' }).expect(200);
    expect(demoted.body).toMatchObject({ id: x.id, role: 'viewer', status: 'active' });
    expect((await http().get('/v1/admin/tenants').set(x.auth).expect(401)).body.code).toBe('unauthorized');
    await refresh(x.tokens.refreshToken).expect(401);
    // a new login carries the new role
    const asViewer = await login(x.email, x.password);
    expect((jwt.decode(asViewer.accessToken) as jwt.JwtPayload).role).toBe('viewer');
    await http().get('/v1/admin/tenants').set(bearer(asViewer.accessToken)).expect(200);

    // disabled: refused at once, refresh fails, login fails
    const disabled = await http().patch(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).send({ status: 'disabled' }).expect(200);
    expect(disabled.body).toMatchObject({ role: 'viewer', status: 'disabled' });
    await http().get('/v1/admin/tenants').set(bearer(asViewer.accessToken)).expect(401);
    await refresh(asViewer.refreshToken).expect(401);
    const refused = await http().post('/v1/platform/auth/login').send({ email: x.email, password: x.password }).expect(401);
    expect(refused.body.code).toBe('invalid_credentials');
    const [tokens] = await sql<{ live: number }>(
      'SELECT count(*) FILTER (WHERE revoked_at IS NULL AND used_at IS NULL)::int AS live FROM platform_refresh_tokens WHERE admin_id = $1',
      [x.id],
    );
    expect(tokens.live).toBe(0);

    // enabled again
    await http().patch(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).send({ status: 'active' }).expect(200);
    await login(x.email, x.password);

    const entries = await audit('platform_admin.updated', x.id);
    expect(entries.map((e) => e.detail)).toEqual([
      expect.objectContaining({ from: { role: 'operator', status: 'active' }, to: { role: 'viewer', status: 'active' } }),
      expect.objectContaining({ from: { role: 'viewer', status: 'active' }, to: { role: 'viewer', status: 'disabled' } }),
      expect.objectContaining({ from: { role: 'viewer', status: 'disabled' }, to: { role: 'viewer', status: 'active' } }),
    ]);
    for (const e of entries) expect(e.actor_id).toBe(owner.id);

    // an empty patch, an unknown field, an unknown id
    expect((await http().patch(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).send({}).expect(400)).body.code).toBe('validation_failed');
    await http().patch(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).send({ email: 'new@platform.test' }).expect(400);
    expect((await http().patch(`/v1/admin/platform-admins/${randomUUID()}`).set(ownerAuth).send({ role: 'viewer' }).expect(404)).body.code).toBe(
      'resource_not_found',
    );
    await http().patch('/v1/admin/platform-admins/not-a-uuid').set(ownerAuth).send({ role: 'viewer' }).expect(400);
  });

  it('DELETE removes the admin and every session of it; audited', async () => {
    const x = await newAdmin('operator');
    await http().delete(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).expect(204);
    await http().get('/v1/admin/tenants').set(x.auth).expect(401);
    await refresh(x.tokens.refreshToken).expect(401);
    await http().post('/v1/platform/auth/login').send({ email: x.email, password: x.password }).expect(401);
    expect(await sql('SELECT 1 FROM platform_admins WHERE id = $1', [x.id])).toHaveLength(0);
    const entries = await audit('platform_admin.deleted', x.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: owner.id, detail: { email: x.email, role: 'operator', status: 'active' } });
    await http().delete(`/v1/admin/platform-admins/${x.id}`).set(ownerAuth).expect(404);
  });

  it('the last active owner cannot be demoted, disabled or deleted (409 last_owner); a disabled owner does not count', async () => {
    // leave `owner` as the only active owner, with one disabled owner beside it
    await sql(`UPDATE platform_admins SET role = 'operator' WHERE role = 'owner' AND id <> $1`, [owner.id]);
    await createPlatformAdmin({ role: 'owner', status: 'disabled' });

    const attempts = [
      () => http().patch(`/v1/admin/platform-admins/${owner.id}`).send({ role: 'operator' }),
      () => http().patch(`/v1/admin/platform-admins/${owner.id}`).send({ status: 'disabled' }),
      () => http().patch(`/v1/admin/platform-admins/${owner.id}`).send({ role: 'viewer', status: 'disabled' }),
      () => http().delete(`/v1/admin/platform-admins/${owner.id}`),
    ];
    for (const attempt of attempts) {
      const res = await attempt().set(ownerAuth).expect(409);
      expect(res.body.code).toBe('last_owner');
    }
    const [row] = await sql<{ role: string; status: string }>('SELECT role, status FROM platform_admins WHERE id = $1', [owner.id]);
    expect(row).toEqual({ role: 'owner', status: 'active' });
    // the refused changes left the owner's session alone
    await http().get('/v1/admin/platform-admins').set(ownerAuth).expect(200);
    // a no-op on the last owner is fine
    await http().patch(`/v1/admin/platform-admins/${owner.id}`).set(ownerAuth).send({ role: 'owner', status: 'active' }).expect(200);
    ownerAuth = bearer((await login(owner.email, owner.password)).accessToken);

    // with a second active owner, the first may step down
    const second = await newAdmin('owner');
    await http().patch(`/v1/admin/platform-admins/${owner.id}`).set(second.auth).send({ role: 'operator' }).expect(200);
    expect((await http().delete(`/v1/admin/platform-admins/${second.id}`).set(second.auth).expect(409)).body.code).toBe('last_owner');
    await http().patch(`/v1/admin/platform-admins/${owner.id}`).set(second.auth).send({ role: 'owner' }).expect(200);
    ownerAuth = bearer((await login(owner.email, owner.password)).accessToken);
  });

  it('two owners demoting each other at the same moment leave exactly one active owner', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await createPlatformAdmin({ role: 'owner' });
      const b = await createPlatformAdmin({ role: 'owner' });
      // a and b are the last two active owners
      await sql(`UPDATE platform_admins SET role = 'operator' WHERE role = 'owner' AND id <> ALL($1::uuid[])`, [[a.id, b.id]]);
      const [ta, tb] = await Promise.all([login(a.email, a.password), login(b.email, b.password)]);
      const results = await Promise.all([
        http().patch(`/v1/admin/platform-admins/${b.id}`).set(bearer(ta.accessToken)).send({ role: 'operator' }),
        http().patch(`/v1/admin/platform-admins/${a.id}`).set(bearer(tb.accessToken)).send({ role: 'operator' }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      // one wins; the other sees a single owner left (409), or finds its own token demoted (401)
      expect(statuses[0]).toBe(200);
      expect([401, 409]).toContain(statuses[1]);
      const owners = await sql<{ id: string }>(`SELECT id FROM platform_admins WHERE role = 'owner' AND status = 'active'`);
      expect(owners).toHaveLength(1);
      expect([a.id, b.id]).toContain(owners[0].id);
    }
  });
});
