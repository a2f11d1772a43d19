import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, runningPostmaster } from '../../src/database/embedded-postgres.js';
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

  /**
   * `embedded`: no DATABASE_URL, so the service starts its own embedded Postgres under its data
   * directory (with the demo tenant seeded), in a process group of its own like a job started
   * from a terminal (signalGroup() then plays Ctrl-C).
   */
  constructor(readonly port: number, env: Record<string, string>, readonly embedded = false) {
    const { NODE_OPTIONS: _jestOnly, ...parentEnv } = process.env;
    const db = testEndpoints();
    chmodSync(this.dataDir, 0o755); // the embedded server runs as the postgres user when we are root
    const own = embedded
      ? { DATABASE_URL: '', APP_DATABASE_URL: '', PLATFORM_DATABASE_URL: '', LISTEN_DATABASE_URL: '', SEED_DEMO: 'true' }
      : {};
    this.child = spawn(process.execPath, [join(process.cwd(), 'dist/src/main.js')], {
      detached: embedded,
      cwd: this.dataDir, // no .env of the developer's is read
      env: {
        ...parentEnv,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: this.dataDir,
        // the run's own runtime roles, given by URL: no role DDL at boot (mode (c))
        DATABASE_URL: db.ownerUrl,
        APP_DATABASE_URL: db.tenantUrl,
        PLATFORM_DATABASE_URL: db.platformUrl,
        ...testRoleEnv(), // the run's own role names: nothing is created or altered at boot
        SEED_DEMO: 'false',
        DIAGNOSTIC_ROUTES: 'true',
        JWT_SECRET: 'shutdown-test-secret-0123456789abcdefghij',
        ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
        PLATFORM_ADMIN_EMAIL: `shutdown-${randomBytes(4).toString('hex')}@platform.test`,
        PLATFORM_ADMIN_PASSWORD: 'shutdown-test-password-1',
        ...own,
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

  /** The signal to the service's whole process group, as Ctrl-C in a terminal sends SIGINT. */
  signalGroup(sig: NodeJS.Signals) {
    process.kill(-this.child.pid!, sig);
  }

  /** The embedded server's superuser connection (secrets and postmaster.pid in the data directory). */
  embeddedSuperuserUrl(): string {
    const { superuserPassword } = JSON.parse(readFileSync(join(this.dataDir, 'secrets.json'), 'utf8'));
    const running = runningPostmaster(join(this.dataDir, 'pg'));
    if (!running) throw new Error('the embedded Postgres is not running');
    return `postgres://postgres:${encodeURIComponent(superuserPassword)}@127.0.0.1:${running.port}/tenancy`;
  }

  embeddedPostmasterPid(): number | undefined {
    return existsSync(join(this.dataDir, 'pg')) ? runningPostmaster(join(this.dataDir, 'pg'))?.pid : undefined;
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
    // a detached embedded server outlives a killed service: stop it too
    const running = this.embedded ? runningPostmaster(join(this.dataDir, 'pg')) : undefined;
    if (running) process.kill(running.pid, 'SIGINT');
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
async function waitForSleepingQuery(marker: string, url?: string) {
  const db = testEndpoints();
  const client = new pg.Client({ connectionString: url ?? db.superuserUrl ?? db.ownerUrl });
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

  async function start(env: Record<string, string> = {}, embedded = false) {
    const service = new Service(await freePort(), env, embedded);
    started.push(service);
    await service.waitFor('listening on', embedded ? 120_000 : 30_000);
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

  it('on Ctrl-C (SIGINT to the whole process group) the embedded Postgres keeps serving the drain: 200, exit 0, then Postgres stops', async () => {
    const service = await start({ SHUTDOWN_TIMEOUT_MS: '20000' }, true);
    const superuser = service.embeddedSuperuserUrl();

    const slow = get(service.port, '/v1/diagnostics/sleep?seconds=1.5', { 'X-Tenant-ID': 'demo' });
    await waitForSleepingQuery('demo', superuser);
    const postmaster = service.embeddedPostmasterPid();
    service.signalGroup('SIGINT');
    await service.waitFor('SIGINT received');
    expect(service.embeddedPostmasterPid()).toBe(postmaster); // its own process group: no SIGINT for it

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ slept: 1.5 });
    expect(await service.exited).toEqual({ code: 0, signal: null });
    expect(service.output.join('\n')).toContain('"msg":"stopped"');
    expect(() => process.kill(postmaster!, 0)).toThrow(); // stopped after the drain
  }, 180_000);

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
