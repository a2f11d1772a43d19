import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';

describe('per-tenant rate limits by tier', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({
      // an hour-long window: the budgets do not refill while the test runs
      env: { RATE_LIMIT_FREE: '5', RATE_LIMIT_PROFESSIONAL: '8', RATE_LIMIT_ENTERPRISE: '0', RATE_LIMIT_WINDOW_MS: '3600000' },
      extraModules: [ProbeModule],
    });
  });
  afterAll(() => app?.close());

  it('answers a noisy tenant 429 rate_limited with Retry-After while a quiet tenant is served at the same time', async () => {
    const noisy = await createTenant({ tier: 'free' });
    const quiet = await createTenant({ tier: 'free' });
    const http = request(app.getHttpServer());
    const hit = (subdomain: string) => http.get('/probe/whoami').set('X-Tenant-ID', subdomain);

    // 12 noisy and 4 quiet requests, interleaved and in flight together
    const order = [...Array(16)].map((_, i) => (i % 4 === 3 ? quiet : noisy));
    const answers = await Promise.all(order.map((t) => hit(t.subdomain).then((res) => ({ t, res }))));

    const noisyAnswers = answers.filter((a) => a.t === noisy).map((a) => a.res);
    const quietAnswers = answers.filter((a) => a.t === quiet).map((a) => a.res);
    expect(noisyAnswers.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = noisyAnswers.filter((r) => r.status === 429);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1); // seconds to the window's end: clock-bound
      expect(r.headers['x-tenant-id']).toBe(noisy.id);
    }
    expect(quietAnswers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const r of quietAnswers) expect(r.body.contextTenant).toBe(quiet.id);

    // the quiet tenant still has budget left; the noisy one still has none
    expect((await hit(quiet.subdomain)).status).toBe(200);
    expect((await hit(noisy.subdomain)).status).toBe(429);
  });

  it('gives each tier its own budget (0 = unlimited) and reports what is left', async () => {
    const pro = await createTenant({ tier: 'professional' });
    const ent = await createTenant({ tier: 'enterprise' });
    const http = request(app.getHttpServer());
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await http.get('/probe/no-db').set('X-Tenant-ID', pro.id);
      statuses.push(res.status);
      if (i === 0) {
        expect(res.headers['ratelimit-limit']).toBe('8');
        expect(res.headers['ratelimit-remaining']).toBe('7');
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    for (let i = 0; i < 20; i++) {
      expect((await http.get('/probe/no-db').set('X-Tenant-ID', ent.id)).status).toBe(200);
    }
  });

  it('does not limit routes that are not tenant routes', async () => {
    const http = request(app.getHttpServer());
    for (let i = 0; i < 12; i++) expect((await http.get('/health')).status).toBe(200);
  });
});
