import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { runtimePool } from '../../src/database/runtime-pool.js';
import { TenantChangeListener } from '../../src/modules/tenant/tenant-change.listener.js';
import { freePort } from '../../src/database/embedded-postgres.js';
import { createUser, tenantToken } from '../helpers/auth.js';
import { testConfig, testEndpoints } from '../helpers/env.js';
import { platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';

const TENANTS = 50;
const REQUESTS = 3000;
const CONCURRENCY = 50;
// Fewer server connections than the app's pool: every server connection serves many client
// connections in turn, so a setting that outlived its transaction would show up on another tenant.
const SERVER_POOL = 4;

/** A PgBouncer of our own (transaction pooling) in front of the test Postgres. */
class Bouncer {
  readonly dir = mkdtempSync(join(tmpdir(), 'tenancy-pgbouncer-'));
  port = 0;
  version = '';

  async start(): Promise<void> {
    const bin = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find(existsSync) ?? 'pgbouncer';
    this.version = execFileSync(bin, ['--version']).toString().split('\n')[0];
    this.port = await freePort();
    const tenant = new URL(testEndpoints().tenantUrl);
    const platform = new URL(testEndpoints().platformUrl);
    const users = [tenant, platform]
      .map((u) => `"${decodeURIComponent(u.username)}" "${decodeURIComponent(u.password)}"`)
      .join('\n');
    writeFileSync(join(this.dir, 'userlist.txt'), `${users}\n`, { mode: 0o600 });
    writeFileSync(
      join(this.dir, 'pgbouncer.ini'),
      [
        '[databases]',
        `* = host=${tenant.hostname} port=${tenant.port}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${this.port}`,
        'unix_socket_dir =',
        'auth_type = scram-sha-256',
        `auth_file = ${join(this.dir, 'userlist.txt')}`,
        'pool_mode = transaction',
        `default_pool_size = ${SERVER_POOL}`,
        'max_client_conn = 1000',
        'ignore_startup_parameters = extra_float_digits',
        // lets the test read SHOW STATS (the pgbouncer admin console) as the tenant role
        `stats_users = ${decodeURIComponent(tenant.username)}`,
        `logfile = ${join(this.dir, 'pgbouncer.log')}`,
        `pidfile = ${join(this.dir, 'pgbouncer.pid')}`,
        '',
      ].join('\n'),
    );
    // pgbouncer refuses to run as root: run it as the postgres system user, which owns its files
    const root = process.getuid?.() === 0;
    if (root) {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chmodSync(this.dir, 0o700);
      for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(this.dir, f), uid, gid);
    }
    const ini = join(this.dir, 'pgbouncer.ini');
    const started = root
      ? spawnSync('runuser', ['-u', 'postgres', '--', bin, '-d', ini])
      : spawnSync(bin, ['-d', ini]);
    if (started.status !== 0) throw new Error(`pgbouncer did not start: ${started.stderr}`);
    await waitForPort(this.port);
  }

  url(base: string): string {
    const url = new URL(base);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Transactions PgBouncer has passed to Postgres for `database` (admin console, SHOW STATS). */
  async transactions(database: string): Promise<number> {
    const url = new URL(this.url(testEndpoints().tenantUrl));
    url.pathname = '/pgbouncer';
    const admin = new pg.Client({ connectionString: url.toString() });
    await admin.connect();
    try {
      const { rows } = await admin.query('SHOW STATS');
      return Number(rows.find((r) => r.database === database)?.total_xact_count ?? 0);
    } finally {
      await admin.end();
    }
  }

  /** Stops PgBouncer, waits for it to be gone, and removes its folder (nothing is left behind). */
  async stop() {
    const pidFile = join(this.dir, 'pgbouncer.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) {
        process.kill(pid, 'SIGINT'); // SIGINT: safe shutdown
        const alive = () => {
          try {
            process.kill(pid, 0);
            return true;
          } catch {
            return false;
          }
        };
        for (const started = Date.now(); alive() && Date.now() - started < 10_000; ) {
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitForPort(port: number) {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((ok) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => (s.end(), ok(true)));
      s.on('error', () => ok(false));
    });
    if (open) return;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`pgbouncer never listened on ${port}`);
}

const pipelineOf = (ds: DataSource) =>
  (runtimePool(ds) as unknown as { options: { pipeline?: boolean } }).options.pipeline;

describe('the service through PgBouncer (transaction pooling)', () => {
  const bouncer = new Bouncer();
  let app: NestFastifyApplication;
  let base: string;
  let tenants: Array<TestTenant & { token: string }>;
  const runId = randomUUID().slice(0, 8);

  beforeAll(async () => {
    await bouncer.start();
    const db = testEndpoints();
    app = await createApp({
      // Debian's PgBouncer (1.18) cannot keep protocol-level prepared statements in transaction
      // mode (1.21+ can, with max_prepared_statements): they are turned off, as README says.
      config: testConfig({
        DB_POOL_SIZE: '16',
        RATE_LIMIT_FREE: '0',
        RATE_LIMIT_PROFESSIONAL: '0',
        DB_PREPARED_STATEMENTS: 'false',
      }),
      // the LISTEN for tenant changes goes to Postgres directly (LISTEN_DATABASE_URL): a
      // transaction pooler would hand its server connection back right after the LISTEN
      database: {
        ...db,
        tenantUrl: bouncer.url(db.tenantUrl),
        platformUrl: bouncer.url(db.platformUrl),
        listenUrl: db.tenantUrl,
      },
      logger: false,
      extraModules: [ProbeModule],
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = await app.getUrl();
    base = base.replace('[::1]', '127.0.0.1');
    tenants = [];
    for (let i = 0; i < TENANTS; i++) {
      const t = await createTenant({ tier: i % 2 ? 'free' : 'professional' });
      tenants.push({ ...t, token: tenantToken(app, { tenantId: t.id, userId: (await createUser(t.id)).id, role: 'member' }) });
    }
  });
  afterAll(async () => {
    await app?.close();
    await bouncer.stop();
  });

  it(`serves ${REQUESTS} interleaved requests from ${TENANTS} tenants with zero wrong rows`, async () => {
    const sessions = app.get(DatabaseSessions);
    const database = new URL(testEndpoints().tenantUrl).pathname.slice(1);
    const before = await bouncer.transactions(database);
    expect(pipelineOf(sessions.tenantDataSource)).toBe(true); // pipeline mode, through PgBouncer

    type Kind = 'tenant' | 'whoami' | 'write';
    const kinds: Kind[] = ['tenant', 'whoami', 'write'];
    const jobs = [...Array(REQUESTS)].map((_, i) => ({
      i,
      tenant: tenants[(i * 7 + Math.floor(i / TENANTS)) % TENANTS],
      kind: kinds[i % 3],
    }));
    let checked = 0;
    const wrong: string[] = [];
    const writes = new Map<string, number>();

    const run = async (job: (typeof jobs)[number]) => {
      const { tenant, kind, i } = job;
      const headers = { 'X-Tenant-ID': i % 2 ? tenant.subdomain : tenant.id };
      if (kind === 'tenant') {
        const res = await fetch(`${base}/v1/tenant`, { headers: { ...headers, Authorization: `Bearer ${tenant.token}` } });
        const body = (await res.json()) as any;
        checked++;
        if (res.status !== 200 || body.id !== tenant.id) wrong.push(`#${i} /v1/tenant ${res.status} ${body.id} for ${tenant.id}`);
      } else if (kind === 'whoami') {
        const res = await fetch(`${base}/probe/whoami`, { headers });
        const body = (await res.json()) as any;
        checked += 1 + body.tenants.length + body.audit_tenants.length;
        const ok =
          res.status === 200 &&
          body.setting === tenant.id &&
          body.tenants.length === 1 &&
          body.tenants[0] === tenant.id &&
          body.audit_tenants.every((t: string) => t === tenant.id);
        if (!ok) wrong.push(`#${i} whoami ${res.status} ${JSON.stringify(body)} for ${tenant.id}`);
      } else {
        const res = await fetch(`${base}/probe/write/${runId}:${tenant.id}:${i}`, { method: 'POST', headers });
        await res.arrayBuffer();
        if (res.status !== 201 && res.status !== 200) wrong.push(`#${i} write ${res.status}`);
        writes.set(tenant.id, (writes.get(tenant.id) ?? 0) + 1);
      }
    };

    let next = 0;
    await Promise.all(
      [...Array(CONCURRENCY)].map(async () => {
        while (next < jobs.length) await run(jobs[next++]);
      }),
    );

    // the requests really went through PgBouncer
    const through = (await bouncer.transactions(database)) - before;
    expect(through).toBeGreaterThanOrEqual(REQUESTS);

    // Every row written lies with the tenant named in its marker, and none is missing.
    const owner = new pg.Client({ connectionString: testEndpoints().superuserUrl ?? testEndpoints().ownerUrl });
    await owner.connect();
    const { rows } = await owner.query(
      `SELECT tenant_id::text, target_id FROM audit_logs WHERE action = 'probe.write' AND target_id LIKE $1`,
      [`${runId}:%`],
    );
    await owner.end();
    const wrongRows = rows.filter((r) => r.target_id.split(':')[1] !== r.tenant_id);
    const expectedWrites = [...writes.values()].reduce((a, b) => a + b, 0);
    checked += rows.length;

    console.log(
      `[pgbouncer] ${bouncer.version}, pool_mode=transaction, ${SERVER_POOL} server connections per role, ` +
        `app pool 16, pg pipeline on, prepared statements off: ${REQUESTS} requests from ${TENANTS} tenants (${CONCURRENCY} in flight), ` +
        `${through} transactions through PgBouncer, ${checked} tenant ids checked, ${rows.length}/${expectedWrites} writes found, ` +
        `${wrong.length + wrongRows.length} wrong`,
    );
    expect(wrong).toEqual([]);
    expect(wrongRows).toEqual([]);
    expect(rows).toHaveLength(expectedWrites);
  });
  it('a suspension reaches the instance at once through its direct LISTEN connection', async () => {
    expect(app.get(TenantChangeListener).listening).toBe(true);
    const t = await createTenant();
    const token = tenantToken(app, { tenantId: t.id, userId: (await createUser(t.id)).id, role: 'member' });
    const get = () => fetch(`${base}/v1/tenant`, { headers: { authorization: `Bearer ${token}` } });
    expect((await get()).status).toBe(200); // resolved and cached (TTL far longer than this test)
    // what the registry does on suspend: the status change and the notification in one transaction
    await platformCommit(async (sql) => {
      await sql.query(`UPDATE tenants SET status = 'suspended', suspended_at = now() WHERE id = $1`, [t.id]);
      await sql.query(`SELECT pg_notify('tenant_changed', $1)`, [t.id]);
    });
    const until = Date.now() + 1_000;
    let status = 200;
    while (Date.now() < until && status === 200) {
      status = (await get()).status;
      if (status === 200) await new Promise((ok) => setTimeout(ok, 20));
    }
    expect(status).toBe(403);
  });
});
