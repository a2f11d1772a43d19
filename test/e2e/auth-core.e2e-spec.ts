import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asTenant } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

describe('auth core', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    app = await createTestApp();
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  it('logs a tenant user in and reads /v1/auth/me with the token', async () => {
    const user = await createUser(a.id, { role: 'admin', email: 'Mixed.Case@Example.test' });
    const login = await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Tenant-ID', a.subdomain)
      .send({ email: 'mixed.case@example.test', password: user.password })
      .expect(200);
    expect(login.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(new RegExp(`^${a.id}\\.`)),
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    const me = await request(app.getHttpServer()).get('/v1/auth/me').set(bearer(login.body.accessToken)).expect(200);
    expect(me.body.user).toEqual({ id: user.id, email: 'mixed.case@example.test', role: 'admin' });
    expect(me.body.tenant).toMatchObject({ id: a.id, subdomain: a.subdomain });
    expect(me.body.permissions).toContain('users:manage');
  });

  it('answers the same invalid_credentials for a wrong password and an unknown email', async () => {
    const user = await createUser(a.id);
    const failures = () => asTenant(a.id, async (sql) =>
      (await sql.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.login_failed'`)).rows[0].n as number);
    const before = await failures();
    const wrong = await request(app.getHttpServer())
      .post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email: user.email, password: 'nope-nope-nope' }).expect(401);
    const unknown = await request(app.getHttpServer())
      .post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email: 'nobody@example.test', password: 'nope-nope-nope' }).expect(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    expect(unknown.body).toMatchObject({ code: wrong.body.code, detail: wrong.body.detail });
    // the failed attempts are audited even though the request failed
    expect(await failures()).toBe(before + 2);
  });

  it('a user of tenant B cannot log in at tenant A', async () => {
    const user = await createUser(b.id);
    await request(app.getHttpServer())
      .post('/v1/auth/login').set('X-Tenant-ID', a.subdomain).send({ email: user.email, password: user.password }).expect(401);
  });

  it('requires a token on tenant routes and refuses a tenant token with another tenant header', async () => {
    await request(app.getHttpServer()).get('/v1/tenant').set('X-Tenant-ID', a.id).expect(401);
    const user = await createUser(a.id, { role: 'read_only' });
    const token = tenantToken(app, { tenantId: a.id, userId: user.id, role: 'read_only' });
    const ok = await request(app.getHttpServer()).get('/v1/tenant').set(bearer(token)).expect(200);
    expect(ok.body.id).toBe(a.id);
    expect(ok.headers['x-tenant-id']).toBe(a.id);
    const mismatch = await request(app.getHttpServer()).get('/v1/tenant').set(bearer(token)).set('X-Tenant-ID', b.id).expect(403);
    expect(mismatch.body.code).toBe('tenant_mismatch');
    const host = await request(app.getHttpServer()).get('/v1/tenant').set(bearer(token)).set('Host', `${b.subdomain}.localtest.me`).expect(403);
    expect(host.body.code).toBe('tenant_mismatch');
  });

  it('platform tokens work only on platform routes, tenant tokens only on tenant routes', async () => {
    const admin = await createPlatformAdmin();
    const login = await request(app.getHttpServer())
      .post('/v1/platform/auth/login').send({ email: admin.email, password: admin.password }).expect(200);
    expect(login.body.tokenType).toBe('Bearer');
    const onTenant = await request(app.getHttpServer())
      .get('/v1/tenant').set(bearer(login.body.accessToken)).set('X-Tenant-ID', a.id).expect(403);
    expect(onTenant.body.code).toBe('forbidden');
    expect(platformToken(app)).toEqual(expect.any(String));
  });
});
