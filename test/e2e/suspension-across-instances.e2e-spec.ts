import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { bearer, createUser, platformAdminToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant } from '../helpers/factories.js';
import { waitFor } from '../helpers/wait.js';
import { TenantChangeListener } from '../../src/modules/tenant/tenant-change.listener.js';

/** Within `deadlineMs`, `probe` answers true (the change has reached instance B); the time it took. */
const within = (deadlineMs: number, probe: () => Promise<boolean>) => waitFor('the change to reach instance B', probe, deadlineMs);

describe('suspension takes effect on every instance (LISTEN/NOTIFY)', () => {
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;

  beforeAll(async () => {
    // Long cache TTL: without the notification, B would keep serving the tenant for 10 minutes.
    const env = { TENANT_CACHE_TTL_MS: '600000' };
    a = await createTestApp({ env });
    b = await createTestApp({ env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('instance B refuses the tenant within one second of a suspend on instance A, and serves it again after reactivation', async () => {
    const t = await createTenant();
    const u = await createUser(t.id, { role: 'member' });
    const token = bearer(tenantToken(b, { tenantId: t.id, userId: u.id, role: 'member' }));
    const admin = bearer(await platformAdminToken(a));
    // B resolves and caches the tenant as active
    await request(b.getHttpServer()).get('/v1/tenant').set(token).expect(200);
    expect(b.get(TenantChangeListener).listening).toBe(true);

    await request(a.getHttpServer()).post(`/v1/admin/tenants/${t.id}/suspend`).set(admin).send({}).expect(200);
    const tookSuspend = await within(1000, async () => {
      const res = await request(b.getHttpServer()).get('/v1/tenant').set(token);
      return res.status === 403 && res.body.code === 'tenant_suspended';
    });

    await request(a.getHttpServer()).post(`/v1/admin/tenants/${t.id}/reactivate`).set(admin).expect(200);
    const tookReactivate = await within(1000, async () =>
      (await request(b.getHttpServer()).get('/v1/tenant').set(token)).status === 200);

    await request(a.getHttpServer()).delete(`/v1/admin/tenants/${t.id}`).set(admin).expect(200);
    const tookDelete = await within(1000, async () =>
      (await request(b.getHttpServer()).get('/v1/tenant').set(token)).status === 404);
    console.log(`[suspension] B saw suspend after ${tookSuspend} ms, reactivate after ${tookReactivate} ms, delete after ${tookDelete} ms`);
  });

  it('a tenant created on A resolves on B at once, even after B cached the name as unknown', async () => {
    const admin = bearer(await platformAdminToken(a));
    const subdomain = `late-${Date.now().toString(36)}`;
    await request(b.getHttpServer()).post('/v1/auth/login').set('X-Tenant-ID', subdomain)
      .send({ email: 'x@y.test', password: 'whatever-long' }).expect(404);
    const created = await request(a.getHttpServer()).post('/v1/admin/tenants').set(admin)
      .send({ companyName: 'Late', subdomain, admin: { email: 'owner@late.test', password: 'a-long-enough-password' } }).expect(201);
    expect(created.body.tenant.subdomain).toBe(subdomain);
    await within(1000, async () => (await request(b.getHttpServer()).post('/v1/auth/login').set('X-Tenant-ID', subdomain)
      .send({ email: 'owner@late.test', password: 'a-long-enough-password' })).status === 200);
  });
});
