import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { bearer, createUser, tenantToken, type TestUser } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asTenant } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

describe('/v1/users and roles', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  let adminA: TestUser;
  let admin: Record<string, string>;
  let member: Record<string, string>;
  let readOnly: Record<string, string>;
  let adminB: Record<string, string>;
  const http = () => request(app.getHttpServer());
  const tokenFor = (u: TestUser) => bearer(tenantToken(app, { tenantId: u.tenantId, userId: u.id, role: u.role }));
  const audit = (tenantId: string, action: string, targetId: string) =>
    asTenant(tenantId, async (sql) => {
      const { rows } = await sql.query('SELECT actor_id, detail FROM audit_logs WHERE action = $1 AND target_id = $2', [action, targetId]);
      return rows;
    });

  beforeAll(async () => {
    app = await createTestApp();
    a = await createTenant();
    b = await createTenant();
    adminA = await createUser(a.id, { role: 'admin' });
    admin = tokenFor(adminA);
    member = tokenFor(await createUser(a.id, { role: 'member' }));
    readOnly = tokenFor(await createUser(a.id, { role: 'read_only' }));
    adminB = tokenFor(await createUser(b.id, { role: 'admin' }));
  });
  afterAll(() => app.close());

  it('an admin creates a user who can then log in; emails are stored lower-case; audited', async () => {
    const res = await http().post('/v1/users').set(admin).send({ email: 'New.Person@Example.test', password: 'correct horse battery', role: 'member' }).expect(201);
    expect(res.body).toEqual({ id: expect.any(String), email: 'new.person@example.test', role: 'member', status: 'active', createdAt: expect.any(String) });
    expect(res.body.password).toBeUndefined();
    const login = await http().post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email: 'NEW.PERSON@example.test', password: 'correct horse battery' }).expect(200);
    const me = await http().get('/v1/auth/me').set(bearer(login.body.accessToken)).expect(200);
    expect(me.body.user).toEqual({ id: res.body.id, email: 'new.person@example.test', role: 'member' });
    // argon2id with at least OWASP's parameters (m = 19 MiB, t = 2, p = 1)
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query('SELECT password_hash FROM users WHERE id = $1', [res.body.id]);
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    });
    const entries = await audit(a.id, 'user.created', res.body.id);
    expect(entries).toHaveLength(1);
    expect(entries[0].actor_id).toBe(adminA.id);
    expect(JSON.stringify(entries[0].detail)).not.toContain('correct horse');
  });

  it('duplicate email (any case) in the same tenant is 409; the same email in another tenant is fine', async () => {
    await http().post('/v1/users').set(admin).send({ email: 'dup@example.test', password: 'long-enough-password', role: 'member' }).expect(201);
    const dup = await http().post('/v1/users').set(admin).send({ email: 'DUP@example.test', password: 'long-enough-password', role: 'admin' }).expect(409);
    expect(dup.body.code).toBe('conflict');
    await http().post('/v1/users').set(adminB).send({ email: 'dup@example.test', password: 'long-enough-password', role: 'member' }).expect(201);
  });

  it('password policy and body validation answer 400 validation_failed', async () => {
    const short = await http().post('/v1/users').set(admin).send({ email: 'short@example.test', password: 'short-pw', role: 'member' }).expect(400);
    expect(short.body.code).toBe('validation_failed');
    expect(short.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'password' })]));
    const same = await http().post('/v1/users').set(admin).send({ email: 'Same.As.Email@example.test', password: 'same.as.email@EXAMPLE.test', role: 'member' }).expect(400);
    expect(same.body.code).toBe('validation_failed');
    expect(same.body.errors[0].field).toBe('password');
    await http().post('/v1/users').set(admin).send({ email: 'x@example.test', password: 'long-enough-password', role: 'owner' }).expect(400);
    await http().post('/v1/users').set(admin).send({ email: 'not-an-email', password: 'long-enough-password', role: 'member' }).expect(400);
    await http().post('/v1/users').set(admin).send({ email: 'y@example.test', password: 'long-enough-password', role: 'member', tenantId: b.id }).expect(400);
  });

  it('lists this tenant\'s users only, paginated', async () => {
    const t = await createTenant();
    const tAdmin = await createUser(t.id, { role: 'admin' });
    for (let i = 0; i < 4; i++) await createUser(t.id);
    const tok = tokenFor(tAdmin);
    const p1 = await http().get('/v1/users').query({ page: 1, limit: 2 }).set(tok).expect(200);
    expect(p1.body).toMatchObject({ page: 1, limit: 2, total: 5 });
    expect(p1.body.items).toHaveLength(2);
    expect(Object.keys(p1.body.items[0]).sort()).toEqual(['createdAt', 'email', 'id', 'role', 'status']);
    const p3 = await http().get('/v1/users').query({ page: 3, limit: 2 }).set(tok).expect(200);
    expect(p3.body.items).toHaveLength(1);
    const all = await http().get('/v1/users').set(tok).expect(200);
    expect(all.body).toMatchObject({ page: 1, limit: 20, total: 5 });
    expect(all.body.items.map((u: { id: string }) => u.id)).toContain(tAdmin.id);
    const other = await http().get('/v1/users').set(admin).expect(200);
    expect(other.body.items.map((u: { id: string }) => u.id)).not.toContain(tAdmin.id);
    await http().get('/v1/users').query({ limit: 101 }).set(tok).expect(400);
    await http().get('/v1/users').query({ page: 0 }).set(tok).expect(400);
  });

  it('PATCH changes role and status (audited); the changed user\'s old token stops working', async () => {
    const u = await createUser(a.id, { role: 'member' });
    const old = tokenFor(u);
    await http().get('/v1/tenant').set(old).expect(200);
    const res = await http().patch(`/v1/users/${u.id}`).set(admin).send({ role: 'read_only' }).expect(200);
    expect(res.body).toMatchObject({ id: u.id, role: 'read_only', status: 'active' });
    await http().get('/v1/tenant').set(old).expect(401);
    const off = await http().patch(`/v1/users/${u.id}`).set(admin).send({ status: 'disabled' }).expect(200);
    expect(off.body.status).toBe('disabled');
    await http().get('/v1/tenant').set(tokenFor({ ...u, role: 'read_only' })).expect(401);
    const entries = await audit(a.id, 'user.updated', u.id);
    expect(entries).toHaveLength(2);
    expect(entries.map((e) => e.detail.to)).toEqual(expect.arrayContaining([{ role: 'read_only', status: 'active' }, { role: 'read_only', status: 'disabled' }]));
    await http().patch(`/v1/users/${u.id}`).set(admin).send({}).expect(400);
    await http().patch(`/v1/users/${u.id}`).set(admin).send({ status: 'banned' }).expect(400);
    await http().patch('/v1/users/not-a-uuid').set(admin).send({ role: 'member' }).expect(400);
  });

  it('DELETE removes the user (204, audited); the deleted user\'s token gets 401', async () => {
    const u = await createUser(a.id, { role: 'member' });
    const tok = tokenFor(u);
    await http().delete(`/v1/users/${u.id}`).set(admin).expect(204);
    await http().get('/v1/tenant').set(tok).expect(401);
    await http().delete(`/v1/users/${u.id}`).set(admin).expect(404);
    expect(await audit(a.id, 'user.deleted', u.id)).toHaveLength(1);
  });

  it('another tenant\'s user is 404 for every write, and untouched', async () => {
    const victim = await createUser(b.id, { role: 'admin' });
    const patch = await http().patch(`/v1/users/${victim.id}`).set(admin).send({ status: 'disabled' }).expect(404);
    expect(patch.body.code).toBe('resource_not_found');
    await http().delete(`/v1/users/${victim.id}`).set(admin).expect(404);
    await asTenant(b.id, async (sql) => {
      const { rows } = await sql.query('SELECT status FROM users WHERE id = $1', [victim.id]);
      expect(rows).toEqual([{ status: 'active' }]);
    });
  });

  it('an admin cannot disable, demote or delete themselves', async () => {
    await http().patch(`/v1/users/${adminA.id}`).set(admin).send({ status: 'disabled' }).expect(409);
    await http().patch(`/v1/users/${adminA.id}`).set(admin).send({ role: 'member' }).expect(409);
    await http().delete(`/v1/users/${adminA.id}`).set(admin).expect(409);
  });

  it('a member cannot manage users (403 forbidden on every route)', async () => {
    const target = await createUser(a.id);
    for (const req of [
      http().get('/v1/users').set(member),
      http().post('/v1/users').set(member).send({ email: 'm@example.test', password: 'long-enough-password', role: 'admin' }),
      http().patch(`/v1/users/${target.id}`).set(member).send({ role: 'admin' }),
      http().delete(`/v1/users/${target.id}`).set(member),
    ]) {
      const res = await req;
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    }
  });

  it('a read_only user cannot write (users, tenant settings) but can read', async () => {
    await http().get('/v1/tenant').set(readOnly).expect(200);
    await http().get('/v1/auth/me').set(readOnly).expect(200);
    expect((await http().patch('/v1/tenant/settings').set(readOnly).send({ settings: { x: 1 } }).expect(403)).body.code).toBe('forbidden');
    expect((await http().post('/v1/users').set(readOnly).send({ email: 'r@example.test', password: 'long-enough-password', role: 'member' }).expect(403)).body.code).toBe('forbidden');
    // and an admin can (the control case)
    await http().patch('/v1/tenant/settings').set(admin).send({ settings: { x: 1 } }).expect(200);
  });
});
