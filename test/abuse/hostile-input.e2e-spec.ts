import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createUser, platformAdminToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, asTenant, uniqueSubdomain } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

type Res = request.Response;

/** Issue 11 (hostile input), items 2, 3, 4, 7 and 8: each refusal is quick, problem+json and repeats nothing. */
describe('hostile input', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  let tenantAdmin: Record<string, string>;
  let platformAdmin: Record<string, string>;
  const http = () => request(app.getHttpServer());
  const SECRET = `s3cret-${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    app = await createTestApp();
    tenant = await createTenant();
    const u = await createUser(tenant.id, { role: 'admin' });
    tenantAdmin = bearer(tenantToken(app, { tenantId: tenant.id, userId: u.id, role: 'admin' }));
    platformAdmin = bearer(await platformAdminToken(app));
  });
  afterAll(() => app?.close());

  /** A problem+json answer with this status and code that repeats none of `secrets`. */
  function expectProblem(res: Res, status: number, code: string, secrets: string[] = [SECRET]) {
    expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ type: 'about:blank', status, code });
    expect(res.headers['x-request-id']).toBeTruthy();
    for (const s of secrets) expect(res.text).not.toContain(s);
  }

  const keysBody = (n: number) => `{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`;

  it('2: refuses a body of 90,000 keys by the parser\'s key limit, and a body just under it without listing thousands of errors', async () => {
    const body = keysBody(90_000);
    expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024); // under the body limit: the key limit must refuse it
    const res = await http().post('/v1/auth/refresh').set('Content-Type', 'application/json').send(body);
    expectProblem(res, 400, 'validation_failed', ['k89999']);
    expect(res.body.detail).toBe('The JSON body has more than 10000 keys.');

    // 9,999 unknown keys reach the DTO route: refused by name, the list capped, the keys never copied
    const under = await http().post('/v1/auth/refresh').set('Content-Type', 'application/json').send(keysBody(9_999));
    expectProblem(under, 400, 'validation_failed', ['k9998']);
    expect(under.body.errors).toHaveLength(50);
    expect(under.body.errors[0]).toEqual({ field: 'k0', message: 'property k0 should not exist' });
    expect(under.body.detail).toMatch(/9999 unknown fields/);
  });

  it('3: answers a NUL character in a string or a key with 400 naming the field, and writes nothing', async () => {
    const kind = `k${randomBytes(5).toString('hex')}`;
    const name = await http().post('/v1/resources').set(tenantAdmin)
      .send({ kind, name: `a\u0000${SECRET}`, content: { ok: true } });
    expectProblem(name, 400, 'validation_failed');
    expect(name.body.errors).toEqual([{ field: 'name', message: 'name must not contain a NUL character' }]);
    const content = await http().post('/v1/resources').set(tenantAdmin)
      .send({ kind, name: 'ok', content: { deep: [{ text: `x\u0000${SECRET}` }] } });
    expectProblem(content, 400, 'validation_failed');
    expect(content.body.errors).toEqual([{ field: 'content.deep.0.text', message: expect.any(String) }]);
    const stored = await asTenant(tenant.id, async (sql) =>
      (await sql.query('SELECT count(*)::int AS n FROM resources WHERE kind = $1', [kind])).rows[0].n);
    expect(stored).toBe(0);

    const settings = await http().patch('/v1/tenant/settings').set(tenantAdmin)
      .send({ settings: { nav: { [`the\u0000me`]: SECRET } } });
    expectProblem(settings, 400, 'validation_failed');
    expect(settings.body.errors).toEqual([{ field: 'settings.nav.the\\u0000me', message: 'a field name must not contain a NUL character' }]);

    const subdomain = uniqueSubdomain('nul');
    const company = await http().post('/v1/admin/tenants').set(platformAdmin)
      .send({ companyName: `Acme\u0000${SECRET}`, subdomain, admin: { email: 'owner@nul.test' } });
    expectProblem(company, 400, 'validation_failed');
    expect(company.body.errors).toEqual([{ field: 'companyName', message: 'companyName must not contain a NUL character' }]);

    const suspend = await http().post(`/v1/admin/tenants/${tenant.id}/suspend`).set(platformAdmin)
      .send({ reason: `because\u0000${SECRET}` });
    expectProblem(suspend, 400, 'validation_failed');
    expect(suspend.body.errors).toEqual([{ field: 'reason', message: 'reason must not contain a NUL character' }]);

    const query = await http().get(`/v1/admin/tenants?q=a%00${SECRET}`).set(platformAdmin);
    expectProblem(query, 400, 'validation_failed');
    expect(query.body.errors).toEqual([{ field: 'q', message: 'q must not contain a NUL character' }]);
    const queryKey = await http().get(`/v1/resources?x%00y=1`).set(tenantAdmin);
    expectProblem(queryKey, 400, 'validation_failed');
    expect(queryKey.body.errors).toEqual([{ field: 'x\\u0000y', message: 'a field name must not contain a NUL character' }]);

    const after = await asPlatform(async (sql) => (await sql.query(
      'SELECT (SELECT count(*)::int FROM tenants WHERE subdomain = $1) AS created, status, settings FROM tenants WHERE id = $2',
      [subdomain, tenant.id],
    )).rows[0]);
    expect(after.created).toBe(0);
    expect(after.status).toBe('active');
    expect(JSON.stringify(after.settings)).not.toContain(SECRET);
  });

  it('4: refuses JSON nested 10,000 deep by the parser\'s depth limit', async () => {
    const deep = `{"refreshToken":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const res = await http().post('/v1/auth/refresh').set('Content-Type', 'application/json').send(deep);
    expectProblem(res, 400, 'validation_failed', ['[[[']);
    expect(res.body.detail).toBe('The JSON body is nested deeper than 64 levels.');
    // at the limit, the body is parsed and validated as usual
    const at64 = `{"refreshToken":${'['.repeat(63)}${']'.repeat(63)}}`;
    const ok = await http().post('/v1/auth/refresh').set('Content-Type', 'application/json').send(at64);
    expectProblem(ok, 400, 'validation_failed');
    expect(ok.body.errors.map((e: { field: string }) => e.field)).toContain('refreshToken');
  });

  it('7: answers 415 to any body that is not application/json, never repeating it', async () => {
    const login = () => http().post('/v1/auth/login').set('X-Tenant-ID', tenant.id);
    const password = `pw-${SECRET}`;
    const refused = [
      await login().set('Content-Type', 'text/plain').send(`{"email":"a@b.test","password":"${password}"}`),
      await login().type('form').send({ email: 'a@b.test', password }),
      await login().field('email', 'a@b.test').field('password', password),
      await login().set('Content-Type', 'application/xml').send(`<password>${password}</password>`),
      await login().set('Content-Type', 'application/merge-patch+json').send(`{"password":"${password}"}`),
    ];
    for (const res of refused) {
      expectProblem(res, 415, 'unsupported_media_type', [password]);
      expect(res.body.detail).toBe('Send the body as application/json.');
    }
    // application/json with parameters is still JSON; a bodyless POST still reaches its route
    const json = await login().set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ email: 'nobody@b.test', password }));
    expectProblem(json, 401, 'invalid_credentials', [password]);
    const bodyless = await http().post(`/v1/admin/tenants/${tenant.id}/reactivate`).set(platformAdmin);
    expect(bodyless.status).toBe(200);
  });

  it('8: answers 414 and 431 as problem+json with a request id, repeating neither path nor headers', async () => {
    const marker = `p${SECRET}`;
    // over HTTP_MAX_URL_BYTES (8 KiB): refused before routing
    const longPath = await http().get(`/v1/resources/${marker}${'a'.repeat(10_000)}`).set(tenantAdmin);
    expectProblem(longPath, 414, 'uri_too_long', [marker]);
    expect(longPath.body.instance).toBeUndefined();
    // over Node's header limit (16 KiB with the request line): answered on the socket, still 414
    const longer = await http().get(`/v1/tenant?q=${marker}${'a'.repeat(20_000)}`);
    expectProblem(longer, 414, 'uri_too_long', [marker]);
    // a route parameter over find-my-way's 100 characters is an ordinary 400/404 now, not a 414
    const longParam = await http().get(`/v1/resources/${'a'.repeat(300)}`).set(tenantAdmin);
    expect(longParam.status).toBe(400);
    expect(longParam.headers['content-type']).toMatch(/^application\/problem\+json/);

    const bigHeader = await http().get('/v1/tenant').set('X-Padding', `${marker}${'h'.repeat(20_000)}`);
    expectProblem(bigHeader, 431, 'headers_too_large', [marker]);
    expect(bigHeader.body.requestId).toBe(bigHeader.headers['x-request-id']);
  });

  it('takes its limits from BODY_MAX_DEPTH, BODY_MAX_KEYS, HTTP_MAX_URL_BYTES and HTTP_MAX_HEADER_BYTES', async () => {
    const small = await createTestApp({
      env: { BODY_MAX_DEPTH: '3', BODY_MAX_KEYS: '10', HTTP_MAX_URL_BYTES: '1024', HTTP_MAX_HEADER_BYTES: '65536' },
    });
    try {
      const s = () => request(small.getHttpServer());
      const json = (body: string) => s().post('/v1/auth/refresh').set('Content-Type', 'application/json').send(body);
      expect((await json(keysBody(11))).body.detail).toBe('The JSON body has more than 10 keys.');
      expect((await json('{"a":[[1]]}')).body.code).toBe('validation_failed');
      expect((await json('{"a":[[[1]]]}')).body.detail).toBe('The JSON body is nested deeper than 3 levels.');
      expectProblem(await s().get(`/v1/tenant?q=${'a'.repeat(2000)}`), 414, 'uri_too_long');
      // a 20 KB header is within 64 KiB: the request gets through to authentication
      const big = await s().get('/v1/tenant').set('X-Padding', 'h'.repeat(20_000));
      expect({ status: big.status, code: big.body.code }).toEqual({ status: 401, code: 'unauthorized' });
    } finally {
      await small.close();
    }
  });
});
