import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../src/database/embedded-postgres.js';
import { testEndpoints, testRoleEnv } from '../helpers/env.js';
import { createTenant } from '../helpers/factories.js';

/**
 * The built service (`node dist/src/main.js`, as `npm start` runs it) in a child process on the
 * test database. The in-flight request is GET /v1/diagnostics/sleep (DIAGNOSTIC_ROUTES=true, off
 * by default and refused in production): pg_sleep inside a tenant transaction, so it also holds a
 * pooled connection that must be given back before the pools close.
 */
class Service {
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'tenancy-shutdown-'));

  constructor(readonly port: number, env: Record<string, string>) {
    const { NODE_OPTIONS: _jestOnly, ...parentEnv } = process.env;
    const db = testEndpoints();
    this.child = spawn(process.execPath, [join(process.cwd(), 'dist/src/main.js')], {
      cwd: this.dataDir, // no .env of the developer's is read
      env: {
        ...parentEnv,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        // role setup at boot needs CREATEROLE, which the owner role of the test database lacks
        DATABASE_URL: db.superuserUrl ?? db.ownerUrl,
        APP_DATABASE_URL: db.tenantUrl,
        PLATFORM_DATABASE_URL: db.platformUrl,
        ...testRoleEnv(), // the run's own role names: nothing is created or altered at boot
        SEED_DEMO: 'false',
        DIAGNOSTIC_ROUTES: 'true',
        JWT_SECRET: 'shutdown-test-secret-0123456789abcdefghij',
        ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
        PLATFORM_ADMIN_EMAIL: `shutdown-${randomBytes(4).toString('hex')}@platform.test`,
        PLATFORM_ADMIN_PASSWORD: 'shutdown-test-password-1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.on('data', (chunk: Buffer) => this.output.push(...chunk.toString().split('\n').filter(Boolean)));
    }
    this.exited = new Promise((ok) => this.child.once('exit', (code, signal) => ok({ code, signal })));
    void this.exited.then(() => rmSync(this.dataDir, { recursive: true, force: true }));
  }

  signal(sig: NodeJS.Signals) {
    this.child.kill(sig);
  }

  async waitFor(text: string, timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    while (!this.output.some((l) => l.includes(text))) {
      if (Date.now() > until || this.child.exitCode !== null) {
        throw new Error(`"${text}" never appeared; output:\n${this.output.join('\n')}`);
      }
      await sleep(50);
    }
  }

  kill() {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

function get(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((ok, fail) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, body }));
      res.on('error', fail);
    });
    req.on('error', fail);
  });
}

/** Waits until Postgres shows the diagnostic pg_sleep running: the request is in flight. */
async function waitForSleepingQuery(marker: string) {
  const db = testEndpoints();
  const client = new pg.Client({ connectionString: db.superuserUrl ?? db.ownerUrl });
  await client.connect();
  try {
    for (let i = 0; i < 400; i++) {
      const { rowCount } = await client.query(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'tenancy-tenant' AND query LIKE '%pg_sleep%'
           AND state = 'active' AND query NOT LIKE '%pg_stat_activity%' AND $1 <> ''`,
        [marker],
      );
      if (rowCount) return;
      await sleep(25);
    }
    throw new Error('the slow request never reached the database');
  } finally {
    await client.end();
  }
}

describe('graceful shutdown of the built service', () => {
  const started: Service[] = [];
  afterAll(() => started.forEach((s) => s.kill()));

  async function start(env: Record<string, string> = {}) {
    const service = new Service(await freePort(), env);
    started.push(service);
    await service.waitFor('listening on');
    expect((await get(service.port, '/health')).status).toBe(200);
    return service;
  }

  it('on SIGTERM refuses new requests, completes the in-flight one with 200 and exits 0', async () => {
    const tenant = await createTenant();
    const service = await start({ SHUTDOWN_TIMEOUT_MS: '20000' });

    const slow = get(service.port, '/v1/diagnostics/sleep?seconds=1.5', { 'X-Tenant-ID': tenant.subdomain });
    await waitForSleepingQuery(tenant.id);
    service.signal('SIGTERM');
    await service.waitFor('SIGTERM received');

    // a new request now is refused: 503 on the way out, or no listener at all
    const late = await get(service.port, '/health').then(
      (res) => res.status,
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect([503, 'ECONNREFUSED', 'ECONNRESET']).toContain(late);

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ slept: 1.5, tenantId: tenant.id });
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.output.join('\n')).toContain('"msg":"stopped"');
  });

  it('bounds the wait with SHUTDOWN_TIMEOUT_MS: a request that outlives it is cut and the exit code says so', async () => {
    const tenant = await createTenant();
    const service = await start({ SHUTDOWN_TIMEOUT_MS: '300' });

    const slow = get(service.port, '/v1/diagnostics/sleep?seconds=3', { 'X-Tenant-ID': tenant.id }).then(
      (res) => res.status,
      (err: NodeJS.ErrnoException) => err.code,
    );
    await waitForSleepingQuery(tenant.id);
    service.signal('SIGTERM');

    expect(await slow).toMatch(/ECONNRESET|socket hang up/i);
    expect(await service.exited).toEqual({ code: 1, signal: null });
    expect(service.output.join('\n')).toContain('in-flight requests were cut');
  });
});
