import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { MetricsListener } from '../../src/observability/metrics-listener.js';
import { createTestApp } from '../helpers/create-app.js';

const TOKEN = 'metrics-token-5a0c1e9b7d2f4a6c8e0b';

function expectUnauthorized(res: request.Response) {
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
  expect(res.text).not.toContain(TOKEN);
}

describe('GET /metrics protected by METRICS_TOKEN', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(() => app?.close());

  it('answers 401 problem+json without the bearer token, or with another one', async () => {
    const http = request(app.getHttpServer());
    expectUnauthorized(await http.get('/metrics'));
    for (const header of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN} ${TOKEN}`]) {
      expectUnauthorized(await http.get('/metrics').set('Authorization', header));
    }
  });

  it('serves the metrics with the token', async () => {
    const res = await request(app.getHttpServer()).get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('http_requests_total');
  });

  it('leaves the other public routes alone', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
  });
});

describe('GET /metrics on its own port (METRICS_PORT)', () => {
  let app: NestFastifyApplication;
  let secured: NestFastifyApplication;
  let base: string;
  beforeAll(async () => {
    // 0: a free port, read back from the listener
    app = await createTestApp({ env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' } });
    secured = await createTestApp({ env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', METRICS_TOKEN: TOKEN } });
    base = `http://127.0.0.1:${app.get(MetricsListener).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await secured?.close();
  });

  it('serves /metrics there and no longer on the main port', async () => {
    await request(app.getHttpServer()).get('/health').expect(200);
    const main = await request(app.getHttpServer()).get('/metrics');
    expect(main.status).toBe(404);
    expect(main.body.code).toBe('route_not_found');

    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    // the main port's requests are in it (the registry is the app's own)
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health",status="200",tier="none"\} 1/);
  });

  it('serves nothing else there', async () => {
    const other = await fetch(`${base}/v1/tenant`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await other.json()).toMatchObject({ status: 404, code: 'route_not_found' });
    const post = await fetch(`${base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.arrayBuffer();
  });

  it('asks for the token there too when METRICS_TOKEN is set', async () => {
    const url = `http://127.0.0.1:${secured.get(MetricsListener).port}/metrics`;
    const refused = await fetch(url, { headers: { Authorization: 'Bearer nope' } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(await refused.json()).toMatchObject({ status: 401, code: 'unauthorized' });
    const ok = await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('process_cpu_user_seconds_total');
  });

  it('closes the metrics port with the app', async () => {
    const extra = await createTestApp({ env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' } });
    const url = `http://127.0.0.1:${extra.get(MetricsListener).port}/metrics`;
    expect((await fetch(url)).status).toBe(200);
    await extra.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
