import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { bearer, createUser, platformAdminToken } from '../helpers/auth.js';
import { uniqueSubdomain } from '../helpers/db.js';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';

/** The value of one sample line (`name{labels} value`) of a Prometheus exposition. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  let app: NestFastifyApplication;
  let other: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ extraModules: [ProbeModule] });
    other = await createTestApp();
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
  });

  it('counts requests by route template, status and tier, with latency, cache and pool figures', async () => {
    const free = await createTenant({ tier: 'free' });
    const pro = await createTenant({ tier: 'professional' });
    const http = request(app.getHttpServer());
    for (let i = 0; i < 3; i++) {
      expect((await http.get('/probe/whoami').set('X-Tenant-ID', free.subdomain)).status).toBe(200);
    }
    expect((await http.get('/probe/whoami').set('X-Tenant-ID', pro.id)).status).toBe(200);
    expect((await http.get('/v1/tenant').set('X-Tenant-ID', free.id)).status).toBe(401);
    expect((await http.get(`/no/such/${free.id}`)).status).toBe(404);
    // logins and a provisioning through the API: the counters move with the real thing
    const user = await createUser(free.id);
    const login = (password: string) =>
      http.post('/v1/auth/login').set('X-Tenant-ID', free.subdomain).send({ email: user.email, password });
    expect((await login(user.password)).status).toBe(200);
    expect((await login('wrong-password-123')).status).toBe(401);
    const admin = bearer(await platformAdminToken(app));
    const provisioned = await http
      .post('/v1/admin/tenants')
      .set(admin)
      .send({ companyName: 'Metrics Co', subdomain: uniqueSubdomain('metrics'), admin: { email: 'ops@metrics.test' } });
    expect(provisioned.status).toBe(201);
    const refused = await http.post('/v1/admin/tenants').set(admin).send({ companyName: 'Dup', subdomain: free.subdomain, admin: { email: 'x@dup.test' } });
    expect(refused.status).toBe(409);

    const res = await http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    const ok = { method: 'GET', route: '/probe/whoami', status: '200' };
    expect(sample(text, 'http_requests_total', { ...ok, tier: 'free' })).toBe(3);
    expect(sample(text, 'http_requests_total', { ...ok, tier: 'professional' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/v1/tenant', status: '401', tier: 'none' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', ok)).toBe(4);
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(4);
    // first lookup of each key misses (free's subdomain, pro's id), the repeats hit (free's two
    // whoami repeats and its two logins); the 401 is refused before any lookup
    expect({ misses: sample(text, 'tenant_cache_misses_total'), hits: sample(text, 'tenant_cache_hits_total') }).toEqual({ misses: 2, hits: 4 });
    for (const pool of ['tenant', 'platform']) {
      expect(sample(text, 'db_pool_in_use', { pool })).toBe(0);
      expect(sample(text, 'db_pool_idle', { pool })).toEqual(expect.any(Number));
      expect(sample(text, 'db_pool_waiting', { pool })).toBe(0);
    }
    // idle connections close after 30 s of rest (the pool's idleTimeoutMillis): a slow run may
    // have closed some, but the last request's connection is idle now
    expect(sample(text, 'db_pool_idle', { pool: 'tenant' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'login_total', { scope: 'tenant', result: 'success' })).toBe(1);
    expect(sample(text, 'login_total', { scope: 'tenant', result: 'failure' })).toBe(1);
    expect(sample(text, 'provisioning_total', { result: 'success' })).toBe(1);
    expect(sample(text, 'provisioning_total', { result: 'failure' })).toBe(1);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeDefined();
    // no per-tenant series, no raw paths
    for (const t of [free, pro]) {
      expect(text).not.toContain(t.id);
      expect(text).not.toContain(t.subdomain);
    }
  });

  it('keeps a registry per app instance', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
    const mine = (await request(app.getHttpServer()).get('/metrics')).text;
    const theirs = (await request(other.getHttpServer()).get('/metrics')).text;
    expect(sample(mine, 'http_requests_total', { route: '/health', status: '200' })).toBe(1);
    expect(sample(theirs, 'http_requests_total', { route: '/health', status: '200' })).toBeUndefined();
    expect(sample(theirs, 'login_total', { scope: 'tenant', result: 'success' })).toBeUndefined();
  });
});
