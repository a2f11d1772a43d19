import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant } from '../helpers/factories.js';

describe('security headers, body limit, CORS', () => {
  let app: NestFastifyApplication;
  let corsApp: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ env: { BODY_LIMIT_BYTES: '4096' } });
    corsApp = await createTestApp({ env: { CORS_ORIGINS: 'https://console.example.com, https://admin.example.com' } });
  });
  afterAll(async () => {
    await app?.close();
    await corsApp?.close();
  });

  it('sends helmet security headers on API answers and errors', async () => {
    for (const path of ['/health', '/v1/tenant']) {
      const res = await request(app.getHttpServer()).get(path);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('answers a body over the limit with 413 payload_too_large as problem+json', async () => {
    const tenant = await createTenant();
    const res = await request(app.getHttpServer())
      .post('/v1/auth/login')
      .set('X-Tenant-ID', tenant.id)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(8000) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, code: 'payload_too_large', instance: '/v1/auth/login' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('has CORS off by default', async () => {
    const preflight = await request(app.getHttpServer())
      .options('/v1/tenant')
      .set('Origin', 'https://console.example.com')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(app.getHttpServer()).get('/health').set('Origin', 'https://console.example.com');
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows exactly the configured CORS origins', async () => {
    const http = request(corsApp.getHttpServer());
    const allowed = await http
      .options('/v1/tenant')
      .set('Origin', 'https://admin.example.com')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization,x-tenant-id');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/X-Tenant-ID/i);
    const get = await http.get('/health').set('Origin', 'https://console.example.com');
    expect(get.headers['access-control-allow-origin']).toBe('https://console.example.com');
    expect(get.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
    const other = await http.get('/health').set('Origin', 'https://evil.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
