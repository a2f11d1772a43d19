import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant, setTenantStatus, type TestTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';
import { TenantResolver } from '../../src/modules/tenant/tenant-resolver.service.js';

describe('tenant resolution (X-Tenant-ID, Host, tenant_id cookie)', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  const whoami = () => request(app.getHttpServer()).get('/probe/whoami');

  beforeAll(async () => {
    app = await createTestApp({ extraModules: [ProbeModule] });
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  it('resolves X-Tenant-ID given as an id and as a subdomain', async () => {
    for (const key of [a.id, a.subdomain, a.id.toUpperCase()]) {
      const res = await whoami().set('X-Tenant-ID', key).expect(200);
      expect(res.body).toMatchObject({ contextTenant: a.id, setting: a.id, tenants: [a.id] });
      expect(res.headers['x-tenant-id']).toBe(a.id);
    }
  });

  it('resolves the Host subdomain under BASE_DOMAIN, case-insensitively and with a port', async () => {
    const res = await whoami().set('Host', `${a.subdomain.toUpperCase()}.LocalTest.me:3000`).expect(200);
    expect(res.body.setting).toBe(a.id);
  });

  it('normalises a mixed-case, padded subdomain header', async () => {
    const res = await whoami().set('X-Tenant-ID', `  ${a.subdomain.toUpperCase()} `).expect(200);
    expect(res.body.setting).toBe(a.id);
  });

  it('answers tenant_required without any source', async () => {
    const res = await whoami().expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ code: 'tenant_required', status: 400, instance: '/probe/whoami' });
    expect(res.headers['x-tenant-id']).toBeUndefined();
  });

  it.each([
    ['an unknown subdomain', 'no-such-tenant-here'],
    ['an unknown id', '00000000-0000-4000-8000-000000000000'],
    ['a reserved name', 'www'],
    ['another reserved name', 'ADMIN'],
    ['a malformed name', '-bad-'],
  ])('answers tenant_not_found for %s', async (_label, key) => {
    const res = await whoami().set('X-Tenant-ID', key).expect(404);
    expect(res.body.code).toBe('tenant_not_found');
  });

  it('never resolves a reserved Host subdomain, even if a row had that name', async () => {
    const res = await whoami().set('Host', 'api.localtest.me').expect(400);
    expect(res.body.code).toBe('tenant_required');
  });

  it('answers tenant_mismatch when the header and the Host disagree', async () => {
    const res = await whoami().set('X-Tenant-ID', a.id).set('Host', `${b.subdomain}.localtest.me`).expect(403);
    expect(res.body.code).toBe('tenant_mismatch');
    // agreeing sources are fine
    await whoami().set('X-Tenant-ID', a.id).set('Host', `${a.subdomain}.localtest.me`).expect(200);
  });

  it('resolves a tenant_id cookie given as an id or a subdomain, among other cookies', async () => {
    for (const key of [a.id, a.subdomain]) {
      const res = await whoami().set('Cookie', `theme=dark; tenant_id=${encodeURIComponent(key)}; lang=en`).expect(200);
      expect(res.body).toMatchObject({ contextTenant: a.id, setting: a.id, tenants: [a.id] });
    }
    const unknown = await whoami().set('Cookie', 'tenant_id=no-such-tenant-here').expect(404);
    expect(unknown.body.code).toBe('tenant_not_found');
    // a cookie without tenant_id names no tenant
    expect((await whoami().set('Cookie', 'theme=dark').expect(400)).body.code).toBe('tenant_required');
  });

  it('answers tenant_mismatch when the cookie disagrees with the header, the Host or the token', async () => {
    const cookie = `tenant_id=${b.subdomain}`;
    expect((await whoami().set('X-Tenant-ID', a.id).set('Cookie', cookie).expect(403)).body.code).toBe('tenant_mismatch');
    expect((await whoami().set('Host', `${a.subdomain}.localtest.me`).set('Cookie', cookie).expect(403)).body.code).toBe('tenant_mismatch');
    const resolver = app.get(TenantResolver);
    await expect(resolver.resolve({ tokenTenantId: a.id, cookie: b.id })).rejects.toMatchObject({ code: 'tenant_mismatch' });
    await expect(resolver.resolve({ tokenTenantId: a.id, cookie: a.subdomain })).resolves.toMatchObject({ id: a.id });
    // agreeing sources are fine
    await whoami().set('X-Tenant-ID', b.id).set('Cookie', cookie).expect(200);
  });

  it('answers tenant_suspended for a suspended tenant and tenant_not_found for a deleted one', async () => {
    const s = await createTenant();
    const d = await createTenant();
    await whoami().set('X-Tenant-ID', s.id).expect(200);
    await setTenantStatus(s.id, 'suspended');
    await setTenantStatus(d.id, 'deleted');
    app.get(TenantResolver).invalidate(s.id);
    expect((await whoami().set('X-Tenant-ID', s.id).expect(403)).body.code).toBe('tenant_suspended');
    expect((await whoami().set('X-Tenant-ID', d.subdomain).expect(404)).body.code).toBe('tenant_not_found');
  });

  it('echoes a sane X-Request-Id and replaces an unsafe one', async () => {
    const echoed = await whoami().set('X-Tenant-ID', a.id).set('X-Request-Id', 'req-123.abc').expect(200);
    expect(echoed.headers['x-request-id']).toBe('req-123.abc');
    const replaced = await whoami().set('X-Tenant-ID', a.id).set('X-Request-Id', 'bad id<script>').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
