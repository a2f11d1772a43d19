import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { bearer, createPlatformAdmin, createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, asTenant, catalog } from '../helpers/db.js';
import { testEndpoints } from '../helpers/env.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';
import { quantile, waitFor } from '../helpers/wait.js';
import { DatabaseSessions, NestedSessionError } from '../../src/database/database-sessions.js';

// Issue 11, items 1, 5 and 6: capacity isolation. No client, signed in or not, can take the
// database away from the other tenants, and a database that cannot be reached answers 503.

async function listen(app: NestFastifyApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

interface Answer {
  status: number;
  body: { code?: string };
  retryAfter: string | null;
  contentType: string | null;
  ms: number;
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    body: text ? JSON.parse(text) : {},
    retryAfter: res.headers.get('retry-after'),
    contentType: res.headers.get('content-type'),
    ms: performance.now() - started,
  };
}

const json = (tenant: string, body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-tenant-id': tenant },
  body: JSON.stringify(body),
});

/**
 * Backends of this spec's apps (their own application_name; other suites sleep in parallel)
 * running pg_sleep, as the tenant runtime role sees them.
 */
const APP_NAME = `abuse-${process.pid}`;
async function sleepingBackends(): Promise<number> {
  return catalog(async (sql) => {
    const { rows } = await sql.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = $1 AND state = 'active' AND query ILIKE '%pg_sleep%'`,
      [`${APP_NAME}-tenant`],
    );
    return rows[0].n as number;
  });
}

/**
 * `count` concurrent wrong-password logins, sent at once by a child process (node's fetch);
 * `answers` resolves to their statuses and codes.
 */
function burstFromChild(url: string, tenant: string, emails: string[], count: number) {
  const script = `
    const [url, tenant, emails, count] = JSON.parse(process.argv[1]);
    Promise.all(Array.from({ length: count }, (_, i) => fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': tenant },
      body: JSON.stringify({ email: emails[i % emails.length], password: 'wrong-password-123' }),
    }).then(async (r) => ({ status: r.status, body: await r.json(), retryAfter: r.headers.get('retry-after') }))))
      .then((all) => process.stdout.write(JSON.stringify(all)));`;
  const child = spawn(process.execPath, ['-e', script, JSON.stringify([url, tenant, emails, count])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const state = { done: false, answers: undefined as unknown as Promise<Answer[]> };
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  state.answers = new Promise((ok, fail) =>
    child.on('exit', (code) => {
      state.done = true;
      if (code === 0) ok(JSON.parse(out));
      else fail(new Error(`burst process exited with ${code}`));
    }),
  );
  return state;
}

describe('abuse: failed logins cannot stall the service (item 1)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    // A small pool: on the old code, as many failed logins as connections deadlocked it. The
    // connection waits are long so that a slow (shared, loaded) machine is not mistaken for a
    // stall: a deadlock still ends in 503s, which the test refuses.
    app = await createTestApp({
      env: { DB_POOL_SIZE: '2', RATE_LIMIT_FREE: '0', DB_TENANT_WAIT_MS: '10000', DB_ACQUIRE_TIMEOUT_MS: '10000' },
    });
    base = await listen(app);
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  it('100 concurrent wrong-password logins answer only 401 or 429, audited exactly, while another tenant keeps being served', async () => {
    const victim = await createUser(a.id);
    const reader = await createUser(b.id, { role: 'member' });
    const token = bearer(tenantToken(app, { tenantId: b.id, userId: reader.id, role: 'member' }));
    const readB = () => call(`${base}/v1/tenant`, { headers: token });

    for (let i = 0; i < 20; i++) await readB(); // warm up
    const quiet: number[] = [];
    for (let i = 0; i < 200; i++) quiet.push((await readB()).ms);

    // The burst comes from another process, so the test's own client work does not stand in the
    // server's event loop; tenant B's reads are timed here, one after another, while it lasts.
    const burst = burstFromChild(`${base}/v1/auth/login`, a.subdomain, [victim.email, 'nobody@example.test'], 100);
    const during: Answer[] = [];
    while (!burst.done || during.length < 50) during.push(await readB());
    const logins = await burst.answers;

    const statuses = new Set(logins.map((r) => r.status));
    expect([...statuses].filter((s) => s !== 401 && s !== 429)).toEqual([]);
    for (const r of logins) expect(r.body.code).toBe(r.status === 401 ? 'invalid_credentials' : 'rate_limited');
    expect(during.filter((r) => r.status !== 200)).toEqual([]);

    const p99Quiet = quantile(quiet, 0.99);
    const p99During = quantile(during.map((r) => r.ms), 0.99);
    console.log(
      `[item 1] 100 failed logins: ${logins.filter((r) => r.status === 401).length}× 401, ` +
        `${logins.filter((r) => r.status === 429).length}× 429; other tenant p99 ${p99During.toFixed(1)} ms ` +
        `over ${during.length} requests vs ${p99Quiet.toFixed(1)} ms quiet`,
    );
    // No timed assertion here (this machine is shared): a stall shows as B's requests failing
    // (503 after DB_ACQUIRE_TIMEOUT_MS; on the old code 500 after 10 s). The p99 ratio is measured
    // on a quiet machine by the benchmark's noisy-neighbour scenario (npm run bench -- --only=7).

    // every refused password was audited once, in the tenant's own trail, after the rollback
    const failed = logins.filter((r) => r.status === 401).length;
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query(`SELECT count(*)::int AS n FROM audit_logs WHERE action = 'auth.login_failed'`);
      expect(rows[0].n).toBe(failed);
    });
  });

  it('rations logins per tenant: past LOGIN_RATE_PER_TENANT, 429 with Retry-After, other tenants keep their own budget', async () => {
    const limited = await createTestApp({ env: { LOGIN_RATE_PER_TENANT: '60', LOGIN_MAX_FAILURES_PER_EMAIL: '0', LOGIN_MAX_FAILURES_PER_IP: '0' } });
    try {
      const url = `${await listen(limited)}/v1/auth/login`;
      const [x, y] = [await createTenant(), await createTenant()];
      const wrong = (t: TestTenant) => call(url, json(t.subdomain, { email: 'nobody@example.test', password: 'wrong-password-123' }));
      // 60 a minute holds a burst of 2 (two seconds' worth)
      const first = await Promise.all([wrong(x), wrong(x), wrong(x), wrong(x)]);
      expect(first.map((r) => r.status).sort()).toEqual([401, 401, 429, 429]);
      const refused = first.find((r) => r.status === 429)!;
      expect(refused.body.code).toBe('rate_limited');
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect((await wrong(y)).status).toBe(401);
    } finally {
      await limited.close();
    }
  });

  it('platform login: 30 concurrent failures on a one-connection platform pool answer 401 or 429, each 401 audited', async () => {
    const admin = await createPlatformAdmin();
    const logins = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(`${base}/v1/platform/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: admin.email, password: 'wrong-password-123' }),
        }),
      ),
    );
    expect(logins.filter((r) => r.status !== 401 && r.status !== 429)).toEqual([]);
    const failed = logins.filter((r) => r.status === 401).length;
    expect(failed).toBeGreaterThan(0);
    await asPlatform(async (sql) => {
      const { rows } = await sql.query(
        `SELECT count(*)::int AS n FROM platform_audit_logs WHERE action = 'platform.login_failed' AND actor_id = $1`,
        [admin.id],
      );
      expect(rows[0].n).toBe(failed);
    });
  });

  it('refuses, structurally, a second connection of the same pool inside a request transaction', async () => {
    const sessions = app.get(DatabaseSessions);
    await expect(
      sessions.runAsTenant(a.id, async () => {
        const { requestContext } = await import('../../src/common/request-context.js');
        await (await requestContext.tenantManager()).query('SELECT 1');
        return sessions.runAsTenant(b.id, async () => 'nested');
      }),
    ).rejects.toBeInstanceOf(NestedSessionError);
  });
});

describe('abuse: one tenant cannot starve the others (item 5)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    app = await createTestApp({
      env: {
        DB_APPLICATION_NAME: APP_NAME,
        DB_POOL_SIZE: '4', // a tenant may hold 2
        DB_TENANT_WAIT_MS: '200',
        DB_STATEMENT_TIMEOUT_MS: '60000',
        DIAGNOSTIC_ROUTES: 'true',
        RATE_LIMIT_FREE: '0',
      },
      extraModules: [ProbeModule],
    });
    base = await listen(app);
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  it('a tenant holding its share gets 503 tenant_busy with Retry-After while another tenant is served', async () => {
    const sessions = app.get(DatabaseSessions);
    const slow = [1, 2].map(() => new AbortController());
    const held = slow.map((c) =>
      fetch(`${base}/v1/diagnostics/sleep?seconds=20`, { headers: { 'x-tenant-id': a.id }, signal: c.signal }).catch(() => undefined),
    );
    await waitFor('tenant A to hold its two connections', () => sessions.bulkhead.held(a.id) === 2);

    const busy = await call(`${base}/v1/diagnostics/sleep?seconds=0`, { headers: { 'x-tenant-id': a.id } });
    expect(busy.status).toBe(503);
    expect(busy.body.code).toBe('tenant_busy');
    expect(busy.retryAfter).toMatch(/^\d+$/);
    expect(busy.contentType).toMatch(/^application\/problem\+json/);

    const other = await call(`${base}/v1/diagnostics/sleep?seconds=0`, { headers: { 'x-tenant-id': b.id } });
    expect(other.status).toBe(200);

    for (const c of slow) c.abort();
    await Promise.all(held);
    await waitFor('the aborted sleeps to be cancelled and their slots freed', async () =>
      sessions.bulkhead.held(a.id) === 0 && (await sleepingBackends()) === 0);
  });

  it('a client that goes away cancels its running statement (pg cancel), not only the transaction after it', async () => {
    const sessions = app.get(DatabaseSessions);
    const url = new URL(`${base}/v1/diagnostics/sleep?seconds=30`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname + url.search, headers: { 'x-tenant-id': a.id } });
    req.on('error', () => undefined);
    req.end();
    await waitFor('the statement to be running', async () => (await sleepingBackends()) === 1);
    req.destroy();
    // pg_sleep(30) would run for 30 s more without the cancel; the deadline only bounds a broken run
    const took = await waitFor('the statement to stop', async () => (await sleepingBackends()) === 0, 10_000);
    await waitFor('the connection and slot to be given back', () => sessions.bulkhead.held(a.id) === 0);
    console.log(`[item 5] statement cancelled ${took} ms after the client went away`);
  });

  it('sets statement_timeout and idle_in_transaction_session_timeout in every tenant transaction', async () => {
    const res = await call(`${base}/probe/limits`, { headers: { 'x-tenant-id': a.id } });
    expect(res.body).toEqual({ statement_timeout: '1min', idle_timeout: '15s' });
    // platform work has its own statement timeout (DB_PLATFORM_STATEMENT_TIMEOUT_MS, 2 min)
    const { requestContext } = await import('../../src/common/request-context.js');
    const platform = await app.get(DatabaseSessions).runAsPlatform('test', async () => {
      const [row] = await (await requestContext.platformManager()).query(
        `SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('idle_in_transaction_session_timeout') AS idle_timeout`,
      );
      return row;
    });
    expect(platform).toEqual({ statement_timeout: '2min', idle_timeout: '15s' });
  });
});

describe('abuse: timeouts and a bounded wait for connections (item 5)', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await createTestApp({
      env: {
        DB_APPLICATION_NAME: APP_NAME,
        DB_POOL_SIZE: '2',
        DB_TENANT_POOL_SHARE: '0.5', // one each
        DB_ACQUIRE_TIMEOUT_MS: '300',
        DB_STATEMENT_TIMEOUT_MS: '1500',
        DIAGNOSTIC_ROUTES: 'true',
        RATE_LIMIT_FREE: '0',
      },
    });
    base = await listen(app);
  });
  afterAll(() => app.close());

  it('a statement over DB_STATEMENT_TIMEOUT_MS is stopped by Postgres and answered 503', async () => {
    const t = await createTenant();
    const res = await call(`${base}/v1/diagnostics/sleep?seconds=20`, { headers: { 'x-tenant-id': t.id } });
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('service_unavailable');
    expect(res.retryAfter).toMatch(/^\d+$/);
    expect(await sleepingBackends()).toBe(0);
  });

  it('when every connection is taken, a request waits DB_ACQUIRE_TIMEOUT_MS, then gets 503 service_unavailable', async () => {
    const sessions = app.get(DatabaseSessions);
    const [x, y, z] = [await createTenant(), await createTenant(), await createTenant()];
    const holders = [x, y].map((t) => call(`${base}/v1/diagnostics/sleep?seconds=1`, { headers: { 'x-tenant-id': t.id } }));
    await waitFor('two tenants to hold the whole pool', () => sessions.bulkhead.held(x.id) === 1 && sessions.bulkhead.held(y.id) === 1);
    const waited = await call(`${base}/v1/diagnostics/sleep?seconds=0`, { headers: { 'x-tenant-id': z.id } });
    expect(waited.status).toBe(503);
    expect(waited.body.code).toBe('service_unavailable');
    expect(waited.retryAfter).toMatch(/^\d+$/);
    expect((await Promise.all(holders)).map((r) => r.status)).toEqual([200, 200]);
  });
});

/** A TCP relay in front of Postgres that the test can cut, as a network or a server failure would. */
async function relayTo(target: URL): Promise<{ port: number; cut(): Promise<void> }> {
  const [host, port] = [target.hostname, Number(target.port)];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as { port: number }).port,
    cut: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        for (const s of sockets) s.destroy();
      }),
  };
}

describe('abuse: Postgres down answers 503, never 500 (item 6)', () => {
  it('tenant and platform routes answer 503 service_unavailable with Retry-After once the database is gone', async () => {
    const endpoints = testEndpoints();
    const tenantUrl = new URL(endpoints.tenantUrl);
    const platformUrl = new URL(endpoints.platformUrl);
    const relayT = await relayTo(tenantUrl);
    const relayP = await relayTo(platformUrl);
    tenantUrl.port = String(relayT.port);
    platformUrl.port = String(relayP.port);
    const app = await createTestApp({
      database: { tenantUrl: tenantUrl.toString(), platformUrl: platformUrl.toString() },
    });
    try {
      const base = await listen(app);
      const t = await createTenant();
      const u = await createUser(t.id, { role: 'member' });
      const token = bearer(tenantToken(app, { tenantId: t.id, userId: u.id, role: 'member' }));
      expect((await call(`${base}/v1/tenant`, { headers: token })).status).toBe(200);

      await relayT.cut();
      await relayP.cut();
      for (const path of ['/v1/tenant', '/v1/resources']) {
        const res = await call(`${base}${path}`, { headers: token });
        expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 503, code: 'service_unavailable' });
        expect(res.retryAfter).toMatch(/^\d+$/);
        expect(res.contentType).toMatch(/^application\/problem\+json/);
      }
      const login = await call(`${base}/v1/auth/login`, json(t.subdomain, { email: u.email, password: u.password }));
      expect(login.status).toBe(503);
      const platform = await call(`${base}/v1/platform/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'someone@platform.test', password: 'whatever-password' }),
      });
      expect(platform.status).toBe(503);
      expect((await call(`${base}/health/ready`)).status).toBe(503);
    } finally {
      await app.close();
    }
  });
});
