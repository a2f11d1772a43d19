import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { testConfig } from '../helpers/env.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import type { TestUser } from '../helpers/auth.js';

// Issue 11, item 9: lenient JWTs. A token signed with the right key but claiming to be issued in
// the future, carrying a `crit` header we do not understand, or not valid yet is refused.
describe('abuse: lenient tokens are refused (item 9)', () => {
  let app: NestFastifyApplication;
  let t: TestTenant;
  let u: TestUser;
  const secret = testConfig().jwt.secret!;

  /** A token exactly as the service signs it, with `claims` and `header` changed. */
  function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
    const now = Math.floor(Date.now() / 1000);
    const config = testConfig();
    const payload = { sub: u.id, jti: randomUUID(), scope: 'tenant', role: u.role, tid: t.id, sd: t.subdomain, iat: now, exp: now + 600, ...claims };
    const noTimestamp = 'iat' in claims && claims.iat === undefined;
    if (noTimestamp) delete (payload as { iat?: number }).iat;
    return new JwtService().sign(payload, {
      secret,
      algorithm: 'HS256',
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      noTimestamp,
      header: { alg: 'HS256', typ: 'JWT', ...header } as { alg: 'HS256' },
    });
  }
  const get = (token: string) => request(app.getHttpServer()).get('/v1/tenant').set(bearer(token));

  beforeAll(async () => {
    app = await createTestApp();
    t = await createTenant();
    u = await createUser(t.id, { role: 'member' });
  });
  afterAll(() => app.close());

  it('accepts the service’s own token and a forged one with sane claims (the forge is faithful)', async () => {
    await get(tenantToken(app, { tenantId: t.id, userId: u.id, role: 'member' })).expect(200);
    await get(forge({})).expect(200);
    await get(forge({ iat: Math.floor(Date.now() / 1000) + 10 })).expect(200); // within the 30 s skew
  });

  it('refuses an iat an hour in the future', async () => {
    const res = await get(forge({ iat: Math.floor(Date.now() / 1000) + 3600 })).expect(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it('refuses a token without iat', async () => {
    await get(forge({ iat: undefined })).expect(401);
  });

  it('refuses an unknown crit header', async () => {
    const res = await get(forge({}, { crit: ['exp-ext'], 'exp-ext': true })).expect(401);
    expect(res.body.code).toBe('unauthorized');
  });

  it('refuses an nbf still in the future', async () => {
    await get(forge({ nbf: Math.floor(Date.now() / 1000) + 3600 })).expect(401);
    await get(forge({ nbf: Math.floor(Date.now() / 1000) - 5 })).expect(200);
  });
});
