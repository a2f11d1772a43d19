import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { createRootLogger, REDACTED } from '../../src/observability/logging.js';
import { bearer, createUser } from '../helpers/auth.js';
import { testConfig, testEndpoints } from '../helpers/env.js';
import { createTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';

/** A pino destination that keeps every line. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text() {
    return this.lines.join('\n');
  }
  records(): Array<Record<string, any>> {
    return this.lines.map((l) => JSON.parse(l));
  }
}

/** The per-request line is written after the answer went out; wait until it is there. */
async function lineFor(capture: Capture, requestId: string, msg = 'request completed') {
  for (let i = 0; i < 100; i++) {
    const hit = capture.records().find((r) => r.requestId === requestId && r.msg === msg);
    if (hit) return hit;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  throw new Error(`no "${msg}" line for request ${requestId}:\n${capture.text}`);
}

describe('structured logs (pino)', () => {
  // One app per file: nestjs-pino keeps its request middleware process-wide (see logging.module.ts).
  const capture = new Capture();
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createApp({
      config: testConfig({ LOG_LEVEL: 'trace' }),
      database: testEndpoints(),
      logDestination: capture,
      extraModules: [ProbeModule],
    });
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app?.close());

  it('logs a login and a token use as one JSON line each, with no password or token in the log', async () => {
    const tenant = await createTenant();
    const user = await createUser(tenant.id, { role: 'admin', password: 'Correct-Horse-Battery-9f3a' });
    const http = request(app.getHttpServer());

    const wrong = await http
      .post('/v1/auth/login')
      .set('X-Tenant-ID', tenant.subdomain)
      .send({ email: user.email, password: 'Wrong-Password-7c1e55' });
    expect(wrong.status).toBe(401);

    const login = await http
      .post('/v1/auth/login')
      .set('X-Tenant-ID', tenant.subdomain)
      .set('Cookie', 'session=cookie-secret-4411')
      .send({ email: user.email, password: user.password });
    expect(login.status).toBe(200);
    const { accessToken, refreshToken } = login.body;

    const me = await http.get('/v1/auth/me').set(bearer(accessToken));
    expect(me.status).toBe(200);

    const loginLine = await lineFor(capture, login.headers['x-request-id']);
    expect(loginLine).toMatchObject({
      requestId: login.headers['x-request-id'],
      tenantId: tenant.id,
      method: 'POST',
      route: '/v1/auth/login',
      status: 200,
      level: 'info',
    });
    expect(typeof loginLine.durationMs).toBe('number');
    const meLine = await lineFor(capture, me.headers['x-request-id']);
    expect(meLine).toMatchObject({ tenantId: tenant.id, userId: user.id, route: '/v1/auth/me', status: 200 });
    expect((await lineFor(capture, wrong.headers['x-request-id'])).status).toBe(401);

    const log = capture.text;
    if (process.env.SHOW_LOG) console.log(log);
    for (const secret of [user.password, 'Wrong-Password-7c1e55', accessToken, refreshToken, 'cookie-secret-4411']) {
      expect(log).not.toContain(secret);
    }
    // the signature alone must not leak either (a token split across fields)
    expect(log).not.toContain(accessToken.split('.')[2]);
  });

  it('logs a 500 with its stack and request id; the answer carries neither stack nor message', async () => {
    const tenant = await createTenant();
    const res = await request(app.getHttpServer())
      .post('/probe/write-then-fail/log-test')
      .set('X-Tenant-ID', tenant.id)
      .set('Authorization', 'Bearer not-a-real-token-but-secret-5521')
      .send({ password: 'body-password-8812', credentials: { apiKey: 'body-key-3301' } });
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toMatch(/deliberate|at .*\.js/);

    const requestId = res.headers['x-request-id'];
    await lineFor(capture, requestId, 'request failed');
    const errorLine = capture
      .records()
      .find((r) => r.requestId === requestId && r.err?.stack);
    expect(errorLine?.err.stack).toContain('deliberate failure after a write');
    expect(errorLine?.level).toBe('error');
    expect(capture.text).not.toMatch(/not-a-real-token-but-secret-5521|body-password-8812|body-key-3301/);
  });

  it('censors secrets in anything handed to the logger', () => {
    const sink = new Capture();
    const logger = createRootLogger(testConfig({ LOG_LEVEL: 'info' }), sink);
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
      password: 'p1',
      body: { refreshToken: 'r1', accessToken: 'a1', nested: { credentials: { apiKey: 'k1' } } },
    });
    const [line] = sink.records();
    expect(line.req.headers.authorization).toBe(REDACTED);
    expect(line.req.headers.cookie).toBe(REDACTED);
    expect(line.password).toBe(REDACTED);
    expect(line.body.refreshToken).toBe(REDACTED);
    expect(line.body.accessToken).toBe(REDACTED);
    expect(line.body.nested.credentials).toBe(REDACTED);
    expect(sink.text).not.toMatch(/abc\.def\.ghi|p1|r1|a1|k1/);
  });
});
