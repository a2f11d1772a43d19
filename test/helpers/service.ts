import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app.factory.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { prepareDatabase, type PreparedDatabase } from '../../src/database/prepare-database.js';
import { scramVerifier } from '../../src/database/roles.js';
import { ensurePlatformAdmin } from '../../src/modules/auth/auth-bootstrap.js';
import { PasswordService } from '../../src/modules/auth/password.service.js';
import { testConfig, testEndpoints } from './env.js';

/**
 * A separate "deployment" on the test server, as a team would set it up on managed Postgres:
 * a database and its owner created by the superuser of the test server (setup only); the
 * service then boots with DATABASE_URL = that owner, exactly as main.ts does.
 */

/** jest has no import.meta.dirname: the repository's migrations, from the working directory */
export const MIGRATIONS = join(process.cwd(), 'migrations');

export const superuserUrl = () => testEndpoints().superuserUrl;

export function urlFor(base: string, user: string, password: string, database?: string): string {
  const u = new URL(base);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  if (database) u.pathname = `/${database}`;
  return u.toString();
}

export async function asSuperuser<T>(fn: (c: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(superuserUrl()!);
  if (database) url.pathname = `/${database}`;
  const c = new pg.Client({ connectionString: url.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface Deployment {
  id: string;
  database: string;
  owner: string;
  ownerPassword: string;
  ownerUrl: string;
  /** roles and the database this deployment created, dropped by drop() */
  extraRoles: string[];
  drop(): Promise<void>;
}

/** A database owned by a new non-superuser `owner` role with the given attributes. */
export async function createDeployment(ownerAttributes: string): Promise<Deployment> {
  const id = randomBytes(4).toString('hex');
  const owner = `deploy_owner_${id}`;
  const database = `deploy_${id}`;
  const ownerPassword = randomBytes(18).toString('base64url');
  await asSuperuser(async (c) => {
    await c.query(
      `CREATE ROLE ${owner} LOGIN NOSUPERUSER NOBYPASSRLS ${ownerAttributes} PASSWORD '${scramVerifier(ownerPassword)}'`,
    );
    await c.query(`CREATE DATABASE ${database} OWNER ${owner} ENCODING 'UTF8'`);
  });
  const d: Deployment = {
    id,
    database,
    owner,
    ownerPassword,
    ownerUrl: urlFor(superuserUrl()!, owner, ownerPassword, database),
    extraRoles: [],
    async drop() {
      await asSuperuser(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        for (const r of [...d.extraRoles, owner]) await c.query(`DROP ROLE IF EXISTS ${r}`);
      });
    },
  };
  return d;
}

export interface RunningService {
  app: NestFastifyApplication;
  db: PreparedDatabase;
  dataDir: string;
  admin: { email: string; password: string };
  /** every SQL text the setup (prepareDatabase) sent */
  setupStatements: string[];
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/** Boots the service as main.ts does (prepareDatabase → createApp → first platform admin). */
export async function bootService(env: Record<string, string>, dataDir?: string): Promise<RunningService> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'tenancy-deploy-'));
  const admin = { email: `padmin-${randomBytes(3).toString('hex')}@platform.test`, password: `pw-${randomBytes(12).toString('hex')}` };
  const config = testConfig({
    DATA_DIR: dir,
    PLATFORM_ADMIN_EMAIL: admin.email,
    PLATFORM_ADMIN_PASSWORD: admin.password,
    ...env,
  });
  const setupStatements: string[] = [];
  const original = pg.Client.prototype.query;
  // record what the setup sends (no clear password may be among it)
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const q = args[0] as string | { text?: string };
    setupStatements.push(typeof q === 'string' ? q : (q?.text ?? ''));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  let db: PreparedDatabase;
  let app: NestFastifyApplication | undefined;
  try {
    try {
      db = await prepareDatabase(config, { persistent: false, migrationsDir: MIGRATIONS });
    } finally {
      pg.Client.prototype.query = original;
    }
    app = await createApp({ config, database: db, logger: false });
    await app.getHttpAdapter().getInstance().ready();
    await ensurePlatformAdmin(config, app.get(DatabaseSessions), app.get(PasswordService));
  } catch (err) {
    await app?.close().catch(() => undefined);
    if (!dataDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    app: app!,
    db: db!,
    dataDir: dir,
    admin,
    setupStatements,
    http: () => request(app.getHttpServer()),
    async close() {
      await app!.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The smoke walkthrough of the README: platform login, two tenants provisioned, their admins
 * log in, a tenant read, a private resource, and the other tenant does not see it.
 */
export async function smoke(svc: RunningService): Promise<void> {
  const http = () => svc.http();
  const p = await http().post('/v1/platform/auth/login').send(svc.admin).expect(200);
  const P = { authorization: `Bearer ${p.body.accessToken}` };
  const tenants: { sub: string; token: string; id: string }[] = [];
  for (const name of ['a', 'b']) {
    const sub = `smoke-${name}-${randomBytes(3).toString('hex')}`;
    const created = await http().post('/v1/admin/tenants').set(P)
      .send({ companyName: `Smoke ${name}`, subdomain: sub, admin: { email: `ops@${sub}.test` } }).expect(201);
    const login = await http().post('/v1/auth/login').set('X-Tenant-ID', sub)
      .send({ email: `ops@${sub}.test`, password: created.body.admin.initialPassword }).expect(200);
    tenants.push({ sub, id: created.body.tenant.id, token: login.body.accessToken });
  }
  const [a, b] = tenants;
  const A = { authorization: `Bearer ${a.token}` };
  const B = { authorization: `Bearer ${b.token}` };
  const me = await http().get('/v1/tenant').set(A).expect(200);
  expect(me.body).toMatchObject({ id: a.id, subdomain: a.sub });
  const res = await http().post('/v1/resources').set(A)
    .send({ kind: 'prompt', name: 'Greeting', content: { text: 'Hello' } }).expect(201);
  const own = await http().get('/v1/resources?scope=own').set(A).expect(200);
  expect(JSON.stringify(own.body)).toContain(res.body.id);
  // isolation: B sees none of A's private resources, by listing or by id
  const theirs = await http().get('/v1/resources').set(B).expect(200);
  expect(JSON.stringify(theirs.body)).not.toContain(res.body.id);
  await http().get(`/v1/resources/${res.body.id}`).set(B).expect(404);
  // and B's token does not open A's tenant
  await http().get('/v1/tenant').set(B).set('X-Tenant-ID', a.sub).expect(403);
}
