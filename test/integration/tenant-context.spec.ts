import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import type { DataSource } from 'typeorm';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { TransactionSession } from '../../src/database/db-session.js';
import { RuntimeClient } from '../../src/database/runtime-client.js';
import { SyncedStatements } from '../../src/database/synced-statements.js';
import { runtimePool } from '../../src/database/runtime-pool.js';
import { createTestApp } from '../helpers/create-app.js';
import { asTenant, catalog } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import { poolStats, ProbeModule } from '../helpers/probe.module.js';
import { waitFor } from '../helpers/wait.js';

async function markerCount(tenantId: string, marker: string): Promise<number> {
  return asTenant(tenantId, async (sql) => {
    const { rows } = await sql.query('SELECT count(*)::int AS n FROM audit_logs WHERE target_id LIKE $1', [`${marker}%`]);
    return rows[0].n;
  });
}

/** Waits until every connection of the tenant pool is back, then checks none is left idle in a transaction. */
async function connectionsBackAndClean(ds: DataSource): Promise<void> {
  await waitFor('the connection back in the pool', () => {
    const s = poolStats(ds);
    return s.total === s.idle;
  });
  const idleInTx = await catalog(async (sql) => (await sql.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tenancy-tenant' AND state LIKE 'idle in transaction%'`,
  )).rows[0].n as number);
  expect(idleInTx).toBe(0);
}

describe('the request pipeline', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    // a statement timeout far past waitFor's deadline: only the hang-up's cancel may end /probe/slow
    app = await createTestApp({ extraModules: [ProbeModule], env: { DB_STATEMENT_TIMEOUT_MS: '120000' } });
    tenant = await createTenant();
  });
  afterAll(() => app.close());

  it('commits the work of a successful request', async () => {
    const marker = randomUUID();
    await request(app.getHttpServer()).post(`/probe/write/${marker}`).set('X-Tenant-ID', tenant.id).expect(201);
    expect(await markerCount(tenant.id, marker)).toBe(1);
  });

  it('rolls back on a thrown error and answers a bare 500 problem', async () => {
    const marker = randomUUID();
    const res = await request(app.getHttpServer())
      .post(`/probe/write-then-fail/${marker}`).set('X-Tenant-ID', tenant.id).expect(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({
      type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal_error',
      instance: `/probe/write-then-fail/${marker}`, requestId: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/deliberate|stack|INSERT/i);
    expect(await markerCount(tenant.id, marker)).toBe(0);
  });

  it('runs a @SingleRead route READ ONLY with the tenant set: a write there fails with a bare 500 and leaves nothing', async () => {
    const http = () => request(app.getHttpServer());
    const read = await http().get('/probe/single-read').set('X-Tenant-ID', tenant.id).expect(200);
    expect(read.body).toEqual({ setting: tenant.id, read_only: 'on' });
    const marker = randomUUID();
    const res = await http().get(`/probe/write-on-single-read/${marker}`).set('X-Tenant-ID', tenant.id).expect(500);
    expect(res.body.code).toBe('internal_error');
    expect(await markerCount(tenant.id, marker)).toBe(0);
    // the same write from a POST lands
    await http().post(`/probe/write/${marker}`).set('X-Tenant-ID', tenant.id).expect(201);
    expect(await markerCount(tenant.id, marker)).toBe(1);
  });

  it('refuses a second statement of a @SingleRead route (its one transaction has committed) and keeps serving', async () => {
    const http = () => request(app.getHttpServer());
    const res = await http().get('/probe/two-reads').set('X-Tenant-ID', tenant.id).expect(500);
    expect(res.body.code).toBe('internal_error');
    await http().get('/probe/single-read').set('X-Tenant-ID', tenant.id).expect(200);
    const s = poolStats(app.get(DatabaseSessions).tenantDataSource);
    expect(s.total).toBe(s.idle);
  });

  it("sends a @SingleRead route's context and statement as one batch under one Sync; another route's COMMIT waits for the handler", async () => {
    const http = () => request(app.getHttpServer());
    await http().get('/probe/whoami').set('X-Tenant-ID', tenant.id).expect(200); // resolution cached
    // every batch handed to pg by the pools' clients: its statements, and how many answers those
    // clients had received when it was; and every Sync or simple Query message written (each one
    // closes a batch the server answers at once)
    const sent: Array<{ sql: string[]; answersBefore: number }> = [];
    let answers = 0;
    let closes = 0;
    const pgQuery = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: any[]) {
      const result = (pgQuery as (...a: any[]) => any).apply(this, args);
      if (this instanceof RuntimeClient) {
        const first = args[0] as string | { text: string };
        const sql = first instanceof SyncedStatements ? first.parts.map((q) => (q as unknown as { text: string }).text) : [typeof first === 'string' ? first : first.text];
        sent.push({ sql, answersBefore: answers });
        result?.then?.(() => answers++, () => answers++);
      }
      return result;
    } as typeof pg.Client.prototype.query;
    const connection = (pg as unknown as { Connection: { prototype: { sync(): void; query(text: string): void } } }).Connection.prototype;
    const { sync: pgSync, query: pgSimpleQuery } = connection;
    connection.sync = function (this: unknown) {
      closes++;
      return pgSync.call(this);
    };
    connection.query = function (this: unknown, text: string) {
      closes++;
      return pgSimpleQuery.call(this, text);
    };
    const words = (list: typeof sent, n: number) => list.map((x) => x.sql.map((q) => q.trim().split(/\s+/).slice(0, n).join(' ')));
    try {
      await http().get('/probe/single-read').set('X-Tenant-ID', tenant.id).expect(200);
      const single = sent.splice(0);
      // the settings (READ ONLY among them) and the statement: one implicit transaction, no BEGIN or COMMIT
      expect(words(single, 2)).toEqual([["SELECT set_config('app.current_tenant_id',", 'SELECT app.current_tenant_id()::text']]);
      expect(single[0].sql[0]).toContain("set_config('transaction_read_only', 'on', true)");
      expect(closes).toBe(1); // one batch, answered at once

      answers = 0;
      closes = 0;
      await http().get('/probe/whoami').set('X-Tenant-ID', tenant.id).expect(200);
      const get = sent.splice(0);
      expect(words(get, 1)).toEqual([['BEGIN'], ['SELECT'], ['SELECT'], ['COMMIT']]);
      expect(get.map((x) => x.answersBefore)).toEqual([0, 0, 0, 3]); // COMMIT after the handler's answers
      expect(closes).toBe(4);
    } finally {
      pg.Client.prototype.query = pgQuery;
      connection.sync = pgSync;
      connection.query = pgSimpleQuery;
    }
  });

  it("lets a @SingleRead route's statement finish when the client disconnects (what ends it is on the wire), then returns the connection", async () => {
    const ds = app.get(DatabaseSessions).tenantDataSource;
    const server = app.getHttpServer();
    if (!server.listening) await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    const req = httpRequest({ port, host: '127.0.0.1', method: 'GET', path: `/probe/slow-read/${randomUUID()}`, headers: { 'X-Tenant-ID': tenant.id } });
    req.on('error', () => undefined); // the hang-up below
    req.end();
    // the probe's statement, by its text (the marker is a parameter)
    const running = () => catalog(async (sql) => (await sql.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND query LIKE '%slow_read_probe%' AND query NOT LIKE '%pg_stat_activity%'`,
    )).rows[0].n as number);
    await waitFor('the request to run its statement', async () => (await running()) === 1);
    req.destroy();
    await waitFor('the statement to end', async () => (await running()) === 0);
    await connectionsBackAndClean(ds);
    // and the pool serves the next request
    await request(app.getHttpServer()).get('/probe/single-read').set('X-Tenant-ID', tenant.id).expect(200);
  });

  it('opens no connection for a request that never queries', async () => {
    const ds = app.get(DatabaseSessions).tenantDataSource;
    // warm the resolution cache, then count pool checkouts
    await request(app.getHttpServer()).get('/probe/no-db').set('X-Tenant-ID', tenant.id).expect(200);
    const pool = runtimePool(ds);
    let checkouts = 0;
    const onAcquire = () => checkouts++;
    pool.on('acquire', onAcquire);
    try {
      for (let i = 0; i < 20; i++) {
        await request(app.getHttpServer()).get('/probe/no-db').set('X-Tenant-ID', tenant.id).expect(200);
      }
      await request(app.getHttpServer()).get('/probe/whoami').set('X-Tenant-ID', tenant.id).expect(200);
    } finally {
      pool.off('acquire', onAcquire);
    }
    expect(checkouts).toBe(1); // only the request that queried
  });

  it('rolls back and releases the connection when the client disconnects mid-request', async () => {
    const ds = app.get(DatabaseSessions).tenantDataSource;
    const server = app.getHttpServer();
    if (!server.listening) await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    const marker = randomUUID();
    const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: `/probe/slow/${marker}`, headers: { 'X-Tenant-ID': tenant.id } });
    req.on('error', () => undefined); // the hang-up below
    req.end();
    // The request's backend, by its marker: running the statement that only a cancel ends, in
    // the transaction that holds the first write.
    const backend = () => catalog(async (sql) => (await sql.query(
      `SELECT pid, state, backend_xid IS NOT NULL AS wrote FROM pg_stat_activity
        WHERE datname = current_database() AND query LIKE '%slow_probe%' AND query NOT LIKE '%pg_stat_activity%'`,
    )).rows as Array<{ pid: number; state: string; wrote: boolean }>);
    await waitFor('the request to run its slow statement', async () => (await backend()).some((b) => b.state === 'active'));
    expect((await backend()).map((b) => b.wrote)).toEqual([true]);
    req.destroy();
    // the hang-up cancels the statement and rolls back: the backend goes idle (not idle in
    // transaction) and the connection returns to the pool
    await waitFor('the backend to leave the slow statement', async () => (await backend()).every((b) => b.state === 'idle'));
    await connectionsBackAndClean(ds);
    // neither the first write nor anything after the hang-up survives
    expect(await markerCount(tenant.id, marker)).toBe(0);
  });

  it('a released connection carries no tenant into the next checkout', async () => {
    await request(app.getHttpServer()).get('/probe/whoami').set('X-Tenant-ID', tenant.id).expect(200);
    const ds = app.get(DatabaseSessions).tenantDataSource;
    const [row] = await ds.query(`SELECT current_setting('app.current_tenant_id', true) AS v, (SELECT count(*)::int FROM tenants) AS n`);
    expect(row).toEqual({ v: '', n: 0 });
  });
});

describe('a transaction whose context fails to set', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;

  beforeAll(async () => {
    app = await createTestApp();
    tenant = await createTenant();
  });
  afterAll(() => app.close());

  // The first query is sent behind BEGIN + set_config without waiting for them (one round
  // trip). If setting the context fails, nothing the session did may be committed.
  it('commits nothing and reports the failure, even when the query behind it succeeded', async () => {
    const ds = app.get(DatabaseSessions).tenantDataSource;
    const marker = `ctxfail-${randomUUID()}`;
    const broken = new TransactionSession('tenant', ds, "SELECT set_config('app.current_tenant_id', $1, true), 1 / 0", [tenant.id]);
    const manager = await broken.manager();
    // runs in the aborted transaction: it must fail, not write
    await expect(
      manager.query(`INSERT INTO audit_logs (tenant_id, action, target_id) VALUES ($1, 'probe.write', $2)`, [tenant.id, marker]),
    ).rejects.toThrow();
    await expect(broken.commit()).rejects.toThrow(/division by zero/);
    expect(await markerCount(tenant.id, marker)).toBe(0);

    const working = new TransactionSession('tenant', ds, "SELECT set_config('app.current_tenant_id', $1, true)", [tenant.id]);
    const m2 = await working.manager();
    const [row] = await m2.query(`SELECT current_setting('app.current_tenant_id', true) AS v`);
    expect(row.v).toBe(tenant.id); // the setting is in place for the query sent right behind it
    await working.commit();
    expect(poolStats(ds).total - poolStats(ds).idle).toBe(0);
  });
});

describe('one pooled connection, many tenants', () => {
  it('serves 200 interleaved requests from 20 tenants with zero wrong rows', async () => {
    // 200 requests queue on one connection on purpose: no bound on the waits here (the bounds
    // have their own tests in test/abuse/capacity)
    const app = await createTestApp({
      env: { DB_POOL_SIZE: '1', DB_ACQUIRE_TIMEOUT_MS: '60000', DB_TENANT_WAIT_MS: '60000' },
      extraModules: [ProbeModule],
    });
    try {
      const tenants = await Promise.all(Array.from({ length: 20 }, () => createTenant()));
      // give every tenant a row of its own in a tenant table
      for (const t of tenants) {
        await request(app.getHttpServer()).post(`/probe/write/seed-${t.id}`).set('X-Tenant-ID', t.id).expect(201);
      }
      const order = Array.from({ length: 200 }, (_, i) => tenants[(i * 7) % tenants.length]);
      let checks = 0;
      let wrong = 0;
      const answers = await Promise.all(
        order.map((t, i) =>
          request(app.getHttpServer())
            .get('/probe/whoami')
            .set(i % 2 ? 'X-Tenant-ID' : 'Host', i % 2 ? t.id : `${t.subdomain}.localtest.me`)
            .then((res) => ({ t, res })),
        ),
      );
      for (const { t, res } of answers) {
        expect(res.status).toBe(200);
        const seen: string[] = [res.body.setting, res.body.contextTenant, ...res.body.tenants, ...res.body.audit_tenants];
        checks += seen.length;
        wrong += seen.filter((id) => id !== t.id).length;
      }
      console.log(`[pool=1] 200 requests from 20 tenants: ${checks} tenant ids checked, ${wrong} wrong`);
      expect(poolStats(app.get(DatabaseSessions).tenantDataSource).total).toBe(1);
      expect(checks).toBe(800); // setting, context, its one tenant row, its one audit tenant
      expect(wrong).toBe(0);
    } finally {
      await app.close();
    }
  });
});

// Single reads send their settings and statement as one batch under one Sync (synced-statements.ts);
// the same must hold on a pool without pg's pipeline mode and without named statements, the
// settings for poolers that cannot take either (docs/scaling.md).
describe('single reads with DB_PIPELINE=false and DB_PREPARED_STATEMENTS=false', () => {
  let app: NestFastifyApplication;
  let tenants: TestTenant[];

  beforeAll(async () => {
    app = await createTestApp({ extraModules: [ProbeModule], env: { DB_PIPELINE: 'false', DB_PREPARED_STATEMENTS: 'false', DB_POOL_SIZE: '2' } });
    tenants = [await createTenant(), await createTenant()];
  });
  afterAll(() => app.close());

  it('answers interleaved tenants each with its own context, read-only, and leaves the pool clean', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => {
      const t = tenants[i % 2];
      return request(app.getHttpServer()).get('/probe/single-read').set('X-Tenant-ID', t.id).expect(200)
        .then((res) => ({ want: t.id, got: res.body }));
    }));
    expect(answers.filter((a) => a.got.setting !== a.want || a.got.read_only !== 'on')).toEqual([]);
    const marker = randomUUID();
    await request(app.getHttpServer()).get(`/probe/write-on-single-read/${marker}`).set('X-Tenant-ID', tenants[0].id).expect(500);
    expect(await markerCount(tenants[0].id, marker)).toBe(0);
    await connectionsBackAndClean(app.get(DatabaseSessions).tenantDataSource);
  });
});
