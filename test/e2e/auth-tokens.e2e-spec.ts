import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import jwt from 'jsonwebtoken';
import { createHmac, generateKeyPairSync, randomUUID, type KeyExportOptions, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken, type TestUser } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

// The secret testConfig() starts the app with (test/helpers/env.ts).
const SECRET = 'test-secret-that-is-long-enough-0123456789abcdef';
const ISS = 'tenancy-service';
const AUD = 'tenancy-api';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

describe('access tokens (ISOLATION 19, 20)', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  let user: TestUser;
  const http = () => request(app.getHttpServer());
  const claims = (over: Record<string, unknown> = {}) => ({
    sub: user.id, jti: randomUUID(), scope: 'tenant', role: user.role, tid: a.id, sd: a.subdomain,
    iss: ISS, aud: AUD, iat: now(), exp: now() + 300, ...over,
  });
  const hs = (payload: object, secret = SECRET, header: object = {}) =>
    jwt.sign(payload, secret, { algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT', ...header } as jwt.JwtHeader });
  const expect401 = async (token: string) => {
    const res = await http().get('/v1/tenant').set(bearer(token)).expect(401);
    expect(res.body.code).toBe('unauthorized');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  };

  beforeAll(async () => {
    app = await createTestApp();
    a = await createTenant();
    b = await createTenant();
    user = await createUser(a.id, { role: 'member' });
  });
  afterAll(() => app.close());

  it('accepts a well-formed token (the control case for the refusals below)', async () => {
    await http().get('/v1/tenant').set(bearer(hs(claims()))).expect(200);
  });

  it('refuses missing, malformed and non-Bearer credentials', async () => {
    await http().get('/v1/tenant').set('X-Tenant-ID', a.id).expect(401);
    await http().get('/v1/tenant').set('Authorization', 'Bearer not.a.jwt').expect(401);
    await http().get('/v1/tenant').set('Authorization', `Basic ${hs(claims())}`).expect(401);
  });

  it('refuses an expired token', async () => expect401(hs(claims({ iat: now() - 3600, exp: now() - 60 }))));
  it('refuses a token without exp', async () => {
    const { exp: _exp, ...noExp } = claims();
    await expect401(hs(noExp));
  });
  it('refuses a token signed with another secret', async () => expect401(hs(claims(), 'another-secret-that-is-long-enough-0123456789')));
  it('refuses a tampered payload', async () => {
    const [h, , s] = hs(claims()).split('.');
    await expect401(`${h}.${b64(claims({ role: 'admin' }))}.${s}`);
  });
  it('refuses a wrong audience', async () => expect401(hs(claims({ aud: 'someone-else' }))));
  it('refuses a missing audience', async () => {
    const { aud: _aud, ...noAud } = claims();
    await expect401(hs(noAud));
  });
  it('refuses a wrong issuer', async () => expect401(hs(claims({ iss: 'evil-issuer' }))));
  it('refuses a missing issuer', async () => {
    const { iss: _iss, ...noIss } = claims();
    await expect401(hs(noIss));
  });
  it('refuses alg: none (unsigned), with and without a trailing signature', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}`;
    await expect401(`${unsigned}.`);
    await expect401(`${b64({ alg: 'NONE', typ: 'JWT' })}.${b64(claims())}.`);
  });
  it('refuses another algorithm than the configured one (HS512 with the right secret)', async () => {
    const h = b64({ alg: 'HS512', typ: 'JWT' });
    const p = b64(claims());
    const sig = createHmac('sha512', SECRET).update(`${h}.${p}`).digest('base64url');
    await expect401(`${h}.${p}.${sig}`);
  });
  it('refuses an RS256 token when the service signs with HS256', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await expect401(jwt.sign(claims(), privateKey, { algorithm: 'RS256' }));
  });
  it('refuses a tenant token without tid, or with an unknown scope', async () => {
    const { tid: _tid, ...noTid } = claims();
    await expect401(hs(noTid));
    await expect401(hs(claims({ scope: 'superuser' })));
  });

  it('a token of tenant A with Host or X-Tenant-ID of tenant B is 403 tenant_mismatch', async () => {
    const token = hs(claims());
    const header = await http().get('/v1/tenant').set(bearer(token)).set('X-Tenant-ID', b.id).expect(403);
    expect(header.body.code).toBe('tenant_mismatch');
    const bySub = await http().get('/v1/tenant').set(bearer(token)).set('X-Tenant-ID', b.subdomain).expect(403);
    expect(bySub.body.code).toBe('tenant_mismatch');
    const host = await http().get('/v1/tenant').set(bearer(token)).set('Host', `${b.subdomain}.localtest.me`).expect(403);
    expect(host.body.code).toBe('tenant_mismatch');
    // the same tenant named again is fine
    await http().get('/v1/tenant').set(bearer(token)).set('X-Tenant-ID', a.subdomain).set('Host', `${a.subdomain}.localtest.me`).expect(200);
  });

  it('a platform token on a tenant route and a tenant token on /v1/admin/** are 403', async () => {
    const admin = await createPlatformAdmin();
    const p = platformToken(app, admin.id);
    const onTenant = await http().get('/v1/tenant').set(bearer(p)).set('X-Tenant-ID', a.id).expect(403);
    expect(onTenant.body.code).toBe('forbidden');
    const admin2 = await createUser(a.id, { role: 'admin' });
    const t = tenantToken(app, { tenantId: a.id, userId: admin2.id, role: 'admin' });
    for (const path of ['/v1/admin/tenants', `/v1/admin/tenants/${a.id}`, '/v1/admin/audit-logs']) {
      const res = await http().get(path).set(bearer(t)).expect(403);
      expect(res.body.code).toBe('forbidden');
    }
    await http().post(`/v1/admin/tenants/${a.id}/suspend`).set(bearer(t)).send({}).expect(403);
    await http().get('/v1/admin/tenants').set(bearer(p)).expect(200);
  });

  it('issues tokens with iss, aud, exp (15 minutes), iat, jti, tid, sd, role and scope', async () => {
    const res = await http().post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email: user.email, password: user.password }).expect(200);
    const decoded = jwt.decode(res.body.accessToken, { complete: true })!;
    expect(decoded.header.alg).toBe('HS256');
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload).toMatchObject({ iss: ISS, aud: AUD, sub: user.id, tid: a.id, sd: a.subdomain, role: 'member', scope: 'tenant' });
    expect(payload.exp! - payload.iat!).toBe(900);
    expect(payload.jti).toEqual(expect.any(String));
  });
});

describe('access tokens with an asymmetric key (RS256, kid, rotation)', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let user: TestUser;
  const current = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const retired = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (k: KeyObject, type: 'spki' | 'pkcs8') => String(k.export({ type, format: 'pem' } as KeyExportOptions<'pem'>));
  const currentPublic = pem(current.publicKey, 'spki');
  const http = () => request(app.getHttpServer());
  const claims = () => ({
    sub: user.id, jti: randomUUID(), scope: 'tenant', role: user.role, tid: a.id, iss: ISS, aud: AUD,
  });
  const rs = (key: jwt.Secret, kid?: string) =>
    jwt.sign(claims(), key, { algorithm: 'RS256', expiresIn: 300, ...(kid ? { keyid: kid } : {}) });

  beforeAll(async () => {
    app = await createTestApp({
      env: {
        JWT_PRIVATE_KEY: pem(current.privateKey, 'pkcs8'),
        JWT_KEY_ID: 'k2',
        JWT_PUBLIC_KEYS: JSON.stringify({ k1: pem(retired.publicKey, 'spki') }),
      },
    });
    a = await createTenant();
    user = await createUser(a.id, { role: 'member' });
  });
  afterAll(() => app.close());

  it('signs RS256 with the kid, and verifies its own tokens', async () => {
    const res = await http().post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email: user.email, password: user.password }).expect(200);
    expect(jwt.decode(res.body.accessToken, { complete: true })!.header).toMatchObject({ alg: 'RS256', kid: 'k2' });
    await http().get('/v1/auth/me').set(bearer(res.body.accessToken)).expect(200);
  });

  it('accepts a retired key by its kid during a rotation, refuses an unknown kid or none', async () => {
    await http().get('/v1/tenant').set(bearer(rs(retired.privateKey, 'k1'))).expect(200);
    await http().get('/v1/tenant').set(bearer(rs(current.privateKey, 'k2'))).expect(200);
    await http().get('/v1/tenant').set(bearer(rs(retired.privateKey, 'k2'))).expect(401); // wrong key for the kid
    await http().get('/v1/tenant').set(bearer(rs(current.privateKey, 'k9'))).expect(401);
    await http().get('/v1/tenant').set(bearer(rs(current.privateKey))).expect(401);
  });

  it('refuses HS/RS confusion: an HS256 token keyed with the public key, or with the old HS secret', async () => {
    const h = b64({ alg: 'HS256', typ: 'JWT', kid: 'k2' });
    const p = b64({ ...claims(), exp: now() + 300 });
    const sig = createHmac('sha256', currentPublic).update(`${h}.${p}`).digest('base64url');
    await http().get('/v1/tenant').set(bearer(`${h}.${p}.${sig}`)).expect(401);
    await http().get('/v1/tenant').set(bearer(jwt.sign({ ...claims(), exp: now() + 300 }, SECRET, { algorithm: 'HS256' }))).expect(401);
    await http().get('/v1/tenant').set(bearer(`${b64({ alg: 'none', kid: 'k2' })}.${p}.`)).expect(401);
  });
});

describe('login brute-force limits', () => {
  let app: NestFastifyApplication;
  let ipApp: NestFastifyApplication;
  let a: TestTenant;

  beforeAll(async () => {
    // per account only here; the per-address limit gets its own app below (all test requests
    // come from one address); the per-tenant login rate has its own test (test/abuse/capacity)
    app = await createTestApp({
      env: { LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_MAX_FAILURES_PER_IP: '0', LOGIN_FAILURE_WINDOW_SECONDS: '600', LOGIN_RATE_PER_TENANT: '0' },
    });
    ipApp = await createTestApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '100', LOGIN_MAX_FAILURES_PER_IP: '4', LOGIN_RATE_PER_TENANT: '0' } });
    a = await createTenant();
  });
  afterAll(async () => {
    await app.close();
    await ipApp.close();
  });

  const attempt = (email: string, password: string, on = app) =>
    request(on.getHttpServer()).post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email, password });

  it('locks an account after too many failures (429 + Retry-After), even for the right password', async () => {
    const u = await createUser(a.id);
    for (let i = 0; i < 3; i++) expect((await attempt(u.email, 'wrong-password-xx')).status).toBe(401);
    const locked = await attempt(u.email, u.password);
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('rate_limited');
    // what is left of the 600 s window depends on the clock
    const retry = Number(locked.headers['retry-after']);
    expect(retry).toBeGreaterThan(500);
    expect(retry).toBeLessThanOrEqual(600);
    // the email is compared case-insensitively: no way around the lock by changing case
    expect((await attempt(u.email.toUpperCase(), u.password)).status).toBe(429);
    // another account of the tenant is not affected
    const other = await createUser(a.id);
    expect((await attempt(other.email, other.password)).status).toBe(200);
  });

  it('locks an unknown email the same way (no hint that it does not exist)', async () => {
    for (let i = 0; i < 3; i++) expect((await attempt('nobody@example.test', 'wrong-password-xx')).status).toBe(401);
    expect((await attempt('nobody@example.test', 'wrong-password-xx')).status).toBe(429);
  });

  it('a success clears the account count', async () => {
    const u = await createUser(a.id);
    for (let i = 0; i < 2; i++) await attempt(u.email, 'wrong-password-xx');
    expect((await attempt(u.email, u.password)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await attempt(u.email, 'wrong-password-xx')).status).toBe(401);
    expect((await attempt(u.email, u.password)).status).toBe(200);
  });

  it('limits platform admin logins the same way', async () => {
    const admin = await createPlatformAdmin();
    const p = (password: string) => request(app.getHttpServer()).post('/v1/platform/auth/login').send({ email: admin.email, password });
    for (let i = 0; i < 3; i++) expect((await p('wrong-password-xx')).status).toBe(401);
    const res = await p(admin.password);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('limits failures per client address across accounts', async () => {
    const u = await createUser(a.id);
    for (let i = 0; i < 4; i++) expect((await attempt(`spray-${i}@example.test`, 'wrong-password-xx', ipApp)).status).toBe(401);
    const blocked = await attempt(u.email, u.password, ipApp);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0); // seconds left: clock-bound
  });
});

describe('login timing', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;

  beforeAll(async () => {
    app = await createTestApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '0', LOGIN_MAX_FAILURES_PER_IP: '0', LOGIN_RATE_PER_TENANT: '0' } });
    a = await createTenant();
  });
  afterAll(() => app.close());

  it('an unknown email costs about as long as a wrong password (both verify an argon2id hash)', async () => {
    // a user whose hash has the service's own parameters, so both paths do the same work
    const created = await request(app.getHttpServer()).post('/v1/users')
      .set(bearer(tenantToken(app, { tenantId: a.id, userId: (await createUser(a.id, { role: 'admin' })).id, role: 'admin' })))
      .send({ email: 'timing@example.test', password: 'the-right-password', role: 'member' }).expect(201);
    expect(created.body.id).toEqual(expect.any(String));
    const time = async (email: string) => {
      const start = process.hrtime.bigint();
      const res = await request(app.getHttpServer()).post('/v1/auth/login').set('X-Tenant-ID', a.id).send({ email, password: 'wrong-password-xx' });
      expect(res.status).toBe(401);
      return Number(process.hrtime.bigint() - start) / 1e6;
    };
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 7; i++) {
      known.push(await time('timing@example.test'));
      unknown.push(await time(`nobody-${i}@example.test`));
    }
    const ratio = median(unknown) / median(known);
    // timings: only a ratio band can be asserted; without the dummy hash an unknown email answers
    // many times faster (no argon2 at all)
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});

