import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken } from '../helpers/auth.js';
import { SyncedStatements } from '../../src/database/synced-statements.js';
import { createTestApp } from '../helpers/create-app.js';
import { testEndpoints } from '../helpers/env.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';
import { uniqueSubdomain } from '../helpers/db.js';

// docs/isolation.md 18: the tenant is only ever set transaction-locally. This looks at the
// statements the service actually sends (every pg.Client's query, the pools' clients included),
// not at its source text, so no spelling of a session-level setting slips past (the connection
// probe after release is in test/integration/tenant-context.spec.ts).

interface Sent {
  sql: string;
  params: unknown[];
}

/** The arguments of each `set_config(…)` call in `sql`, split at top-level commas. */
function setConfigCalls(sql: string): string[][] {
  const calls: string[][] = [];
  for (const m of sql.matchAll(/\bset_config\s*\(/gi)) {
    const args: string[] = [];
    let depth = 0;
    let quoted = false;
    let current = '';
    for (let i = m.index! + m[0].length; i < sql.length; i++) {
      const ch = sql[i];
      if (quoted) {
        if (ch === "'") quoted = false;
      } else if (ch === "'") quoted = true;
      else if (ch === '(') depth++;
      else if (ch === ')' && depth-- === 0) break;
      else if (ch === ',' && depth === 0) {
        args.push(current.trim());
        current = '';
        continue;
      }
      current += ch;
    }
    args.push(current.trim());
    calls.push(args);
  }
  return calls;
}

/**
 * Why `statement` would leave a setting on the connection past its transaction, or null: a
 * session-level SET (SET, SET SESSION, SET ROLE, SET SESSION AUTHORIZATION; SET LOCAL is fine),
 * RESET, ALTER ROLE/DATABASE … SET, or set_config whose is_local is anything but the literal true
 * (a parameter could be false at run time).
 */
function sessionLevelSetting({ sql, params }: Sent): string | null {
  for (const part of sql.split(';')) {
    const s = part.replace(/^\s*(--[^\n]*\n\s*)*/, '').trim();
    if (/^SET\b/i.test(s) && !/^SET\s+LOCAL\b/i.test(s)) return `session-level SET: ${s}`;
    if (/^RESET\b/i.test(s)) return `RESET: ${s}`;
    if (/^ALTER\s+(ROLE|USER|DATABASE)\b.*\bSET\b/is.test(s)) return `persistent setting: ${s}`;
  }
  for (const args of setConfigCalls(sql)) {
    if (args[2]?.toLowerCase() !== 'true') {
      return `set_config with is_local ${args[2]} (params ${JSON.stringify(params)}): ${sql}`;
    }
  }
  return null;
}

describe('no session-level setting in the statements sent to Postgres', () => {
  let app: NestFastifyApplication;
  let tenant: TestTenant;
  const sent: Sent[] = [];
  const original = pg.Client.prototype.query;

  beforeAll(() => {
    // Every statement of every pg.Client in this process (TypeORM's pools load this same pg),
    // recorded before it is handed to pg unchanged.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown];
      // a single read's batch (synced-statements.ts) is its statements, each recorded
      const batch = first instanceof SyncedStatements ? (first.parts as unknown as Array<{ text: string; values?: unknown[] }>) : undefined;
      for (const part of batch ?? [first]) {
        const sql = typeof part === 'string' ? part : part?.text;
        const params = typeof part === 'string' ? (Array.isArray(second) ? second : []) : part?.values ?? (Array.isArray(second) ? second : []);
        if (typeof sql === 'string') sent.push({ sql, params });
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
  });
  afterAll(async () => {
    pg.Client.prototype.query = original;
    await app?.close();
  });

  it('flags set_config with a false is_local passed as a parameter (the detector can fail)', async () => {
    const client = new pg.Client({ connectionString: testEndpoints().tenantUrl });
    await client.connect();
    const from = sent.length;
    try {
      await client.query("select set_config('app.current_tenant_id', $1, $2)", [randomUUID(), false]);
      await client.query('SET statement_timeout = 1000');
      await client.query('SET LOCAL statement_timeout = 1000'); // outside a transaction: a warning only
      await client.query('RESET statement_timeout');
      await client.query("SELECT set_config('app.scope', 'platform', true)");
    } finally {
      await client.end();
    }
    expect(sent.slice(from).map(sessionLevelSetting)).toEqual([
      expect.stringMatching(/^set_config with is_local \$2 \(params \[".*",false\]\)/),
      'session-level SET: SET statement_timeout = 1000',
      null,
      'RESET: RESET statement_timeout',
      null,
    ]);
    expect(sessionLevelSetting({ sql: "SELECT set_config('a.b', f('x', 1), false)", params: [] })).toMatch(/is_local false/);
    expect(sessionLevelSetting({ sql: 'set session role x', params: [] })).toMatch(/^session-level SET/);
    expect(sessionLevelSetting({ sql: 'UPDATE tenants SET status = $2 WHERE id = $1', params: [] })).toBeNull();
  });

  it('sends none through tenant and platform routes, logins, refresh and failing requests', async () => {
    app = await createTestApp({ extraModules: [ProbeModule] });
    tenant = await createTenant({ type: 'platform' });
    const user = await createUser(tenant.id, { role: 'admin' });
    const padmin = await createPlatformAdmin();
    const from = sent.length;
    const http = () => request(app.getHttpServer());
    const asAdmin = bearer(tenantToken(app, { tenantId: tenant.id, userId: user.id, role: 'admin' }));
    const asPlatform = bearer(platformToken(app, padmin.id));

    const login = await http().post('/v1/auth/login').set('X-Tenant-ID', tenant.id)
      .send({ email: user.email, password: user.password }).expect(200);
    await http().post('/v1/auth/login').set('X-Tenant-ID', tenant.id)
      .send({ email: user.email, password: 'wrong-password-xx' }).expect(401);
    await http().post('/v1/auth/refresh').send({ refreshToken: login.body.refreshToken }).expect(200);
    await http().get('/v1/auth/me').set(asAdmin).expect(200);
    const created = await http().post('/v1/resources').set(asAdmin)
      .send({ kind: 'agent', name: 'n', content: {}, sharing: { mode: 'global' } }).expect(201);
    await http().get('/v1/resources').set(asAdmin).expect(200);
    await http().get(`/v1/resources/${randomUUID()}`).set(asAdmin).expect(404);
    await http().get(`/v1/resources/${created.body.id}`).set(asAdmin).expect(200);
    await http().get('/v1/users').set(asAdmin).expect(200);
    await http().put('/v1/integrations/stripe').set(asAdmin).send({ provider: 'stripe', credentials: { apiKey: 'k' } }).expect(200);
    await http().get('/v1/tenant/stats').set(asAdmin).expect(200);
    await http().post(`/probe/write-then-fail/${randomUUID()}`).set('X-Tenant-ID', tenant.id).expect(500);
    await http().post('/v1/platform/auth/login').send({ email: padmin.email, password: padmin.password }).expect(200);
    await http().get('/v1/admin/tenants').set(asPlatform).expect(200);
    const provisioned = await http().post('/v1/admin/tenants').set(asPlatform)
      .send({ companyName: 'Hook Co', subdomain: uniqueSubdomain('hook'), admin: { email: 'o@hook.test' } }).expect(201);
    await http().post(`/v1/admin/tenants/${provisioned.body.tenant.id}/suspend`).set(asPlatform).send({}).expect(200);
    await http().get(`/v1/admin/tenants/${randomUUID()}`).set(asPlatform).expect(404);

    const statements = sent.slice(from);
    // the hook saw the service's own context statements (else it watched the wrong pg)
    expect(statements.some((s) => /set_config\('app\.current_tenant_id'/.test(s.sql))).toBe(true);
    expect(statements.some((s) => /set_config\('app\.scope'/.test(s.sql))).toBe(true);
    // and the settings sent in a single read's batch, with its statement
    expect(statements.some((s) => /set_config\('transaction_read_only'/.test(s.sql))).toBe(true);
    expect(statements.map((s) => sessionLevelSetting(s)).filter(Boolean)).toEqual([]);
  });
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|sql)$/.test(name) ? [path] : [];
  });
}

// Second line: SQL run inside Postgres (a function of the migrations) never passes the hook, so
// the source text of src/ and migrations/ is still searched.
describe('no session-level SET of the tenant in src/ and migrations/', () => {
  const files = [...sources('src'), ...sources('migrations')];

  it('finds the source files that set the context', () => {
    expect(files).toEqual(expect.arrayContaining(['src/database/database-sessions.ts', 'migrations/0002_tenant_context.sql']));
  });

  it('never SETs app.* at session level and never calls set_config(…, false)', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [i, line] of text.split('\n').entries()) {
        if (/^\s*(--|\/\/|\*)/.test(line)) continue; // comments
        if (/\bSET\s+(SESSION\s+)?"?app\./i.test(line) && !/SET\s+LOCAL/i.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        if (/set_config\s*\([^)]*,\s*false\s*\)/i.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        if (/set_config\s*\(\s*'app\.[^']+'\s*,\s*'[^$]/i.test(line) && !/'app\.scope'\s*,\s*'platform'/.test(line)) {
          offenders.push(`${file}:${i + 1}: interpolated value: ${line.trim()}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
