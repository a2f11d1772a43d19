import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant } from '../helpers/factories.js';

describe('HTTP routing details: methods, trailing slashes, validation messages', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers an unknown method on a known path with 405 and Allow, as problem+json', async () => {
    const res = await request(app.getHttpServer()).put('/v1/tenant');
    expect(res.status).toBe(405);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers.allow?.split(', ')).toContain('GET');
    expect(res.headers.allow).not.toContain('PUT');
    expect(res.body).toMatchObject({ status: 405, code: 'method_not_allowed', instance: '/v1/tenant' });

    const byId = await request(app.getHttpServer()).post('/v1/resources/6f1c1f8e-0000-4000-8000-000000000000');
    expect(byId.status).toBe(405);
    expect(byId.headers.allow?.split(', ')).toEqual(expect.arrayContaining(['GET', 'PATCH', 'DELETE']));
  });

  it('still answers 404 route_not_found for a path no route has', async () => {
    const res = await request(app.getHttpServer()).put('/v1/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('route_not_found');
    expect(res.headers.allow).toBeUndefined();
  });

  it('ignores a trailing slash', async () => {
    const tenant = await createTenant();
    const user = await createUser(tenant.id, { role: 'admin' });
    const token = tenantToken(app, { tenantId: tenant.id, userId: user.id, role: 'admin' });
    const bare = await request(app.getHttpServer()).get('/v1/tenant').set('Authorization', `Bearer ${token}`);
    const slash = await request(app.getHttpServer()).get('/v1/tenant/').set('Authorization', `Bearer ${token}`);
    expect(bare.status).toBe(200);
    expect(slash.status).toBe(200);
    expect(slash.body).toEqual(bare.body);
  });

  it('says that a missing field is required, not what length it may have', async () => {
    const tenant = await createTenant();
    const res = await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Tenant-ID', tenant.id)
      .send({ email: 'someone@example.test' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'password', message: 'password is required' }]);

    const wrongType = await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Tenant-ID', tenant.id)
      .send({ email: 'someone@example.test', password: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.errors).toContainEqual({ field: 'password', message: 'password must be a string' });
  });
});
