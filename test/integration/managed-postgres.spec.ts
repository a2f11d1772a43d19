import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { prepareDatabase } from '../../src/database/prepare-database.js';
import { scramVerifier } from '../../src/database/roles.js';
import { testConfig } from '../helpers/env.js';
import {
  asSuperuser,
  bootService,
  MIGRATIONS,
  createDeployment,
  smoke,
  superuserUrl,
  urlFor,
  type Deployment,
} from '../helpers/service.js';

// Issue 12: the service on a managed Postgres (RDS, Cloud SQL, …), where DATABASE_URL is an
// owner with CREATEROLE and no superuser (mode b), or has no CREATEROLE and a DBA created the
// runtime roles (mode c). The deployments are set up by the test server's superuser; the service
// itself only ever connects as the owner and the runtime roles.
const maybe = superuserUrl() ? describe : describe.skip;

const roleDdl = (statements: string[]) =>
  statements.filter((s) => /\b(CREATE|ALTER|DROP)\s+(ROLE|USER)\b/i.test(s));

maybe('mode (b): an owner with LOGIN CREATEROLE that owns the database, no superuser', () => {
  let d: Deployment;
  const roles = { tenant: `mb_app_${randomBytes(3).toString('hex')}`, platform: `mb_platform_${randomBytes(3).toString('hex')}` };
  const dataDir = mkdtempSync(join(tmpdir(), 'tenancy-deploy-'));
  const env = () => ({ DATABASE_URL: d.ownerUrl, DATABASE_APP_ROLE: roles.tenant, DATABASE_PLATFORM_ROLE: roles.platform });

  beforeAll(async () => {
    d = await createDeployment('CREATEROLE');
    d.extraRoles.push(roles.tenant, roles.platform);
  });
  afterAll(async () => {
    await d?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('boots, creates safe runtime roles, and serves the smoke walkthrough with isolation', async () => {
    const svc = await bootService(env(), dataDir);
    try {
      const attrs = await asSuperuser((c) => c.query(
        `SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolcanlogin, rolpassword
           FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname`, [[roles.tenant, roles.platform]]));
      expect(attrs.rows).toHaveLength(2);
      for (const r of attrs.rows) {
        expect(r).toMatchObject({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, rolcanlogin: true });
        expect(r.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
      }
      // no setup statement carried a clear password (the secrets of this data directory)
      const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8'));
      const sent = svc.setupStatements.join('\n');
      for (const pw of [secrets.appPassword, secrets.platformPassword]) expect(sent).not.toContain(pw);
      expect(roleDdl(svc.setupStatements).join('\n')).toMatch(/PASSWORD 'SCRAM-SHA-256\$4096:/);
      await smoke(svc);
    } finally {
      await svc.close();
    }
  });

  it('a restart runs no role DDL at all (roles present, passwords still good)', async () => {
    const svc = await bootService(env(), dataDir);
    try {
      expect(roleDdl(svc.setupStatements)).toEqual([]);
      await svc.http().get('/v1/resources').expect(401); // up, and auth still required
    } finally {
      await svc.close();
    }
  });

  it('an existing role it may not alter (Postgres 16+: no ADMIN OPTION) stops the boot with the grant that fixes it', async () => {
    const foreign = `mb_foreign_${randomBytes(3).toString('hex')}`;
    d.extraRoles.push(foreign);
    // created by someone else (the superuser), with a password this data directory does not know
    await asSuperuser((c) => c.query(`CREATE ROLE ${foreign} LOGIN PASSWORD '${scramVerifier(randomBytes(12).toString('hex'))}'`));
    const version = await asSuperuser(async (c) => Number((await c.query('SHOW server_version_num')).rows[0].server_version_num));
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-deploy-'));
    try {
      const config = testConfig({ DATA_DIR: dir, DATABASE_URL: d.ownerUrl, DATABASE_APP_ROLE: foreign, DATABASE_PLATFORM_ROLE: roles.platform });
      if (version >= 160000) {
        await expect(prepareDatabase(config, { migrationsDir: MIGRATIONS })).rejects.toThrow(
          new RegExp(`"${foreign}" exists but its password could not be set.*GRANT "${foreign}" TO <owner> WITH ADMIN OPTION;`),
        );
        await asSuperuser((c) => c.query(`GRANT ${foreign} TO ${d.owner} WITH ADMIN OPTION`));
      }
      // Postgres 15's CREATEROLE may alter any non-superuser role; 16+ after the grant
      await prepareDatabase(config, { migrationsDir: MIGRATIONS });
      const { rows } = await asSuperuser((c) => c.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [foreign]));
      expect(rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an existing runtime role with BYPASSRLS, saying which SQL fixes it, and alters nothing', async () => {
    const bad = `mb_bad_${randomBytes(3).toString('hex')}`;
    d.extraRoles.push(bad);
    await asSuperuser((c) => c.query(`CREATE ROLE ${bad} LOGIN BYPASSRLS`));
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-deploy-'));
    try {
      const config = testConfig({ DATA_DIR: dir, DATABASE_URL: d.ownerUrl, DATABASE_APP_ROLE: bad, DATABASE_PLATFORM_ROLE: roles.platform });
      await expect(prepareDatabase(config, { migrationsDir: MIGRATIONS })).rejects.toThrow(
        new RegExp(`runtime role "${bad}" has BYPASSRLS.*ALTER ROLE "${bad}" NOBYPASSRLS;`),
      );
      const { rows } = await asSuperuser((c) => c.query('SELECT rolbypassrls FROM pg_roles WHERE rolname = $1', [bad]));
      expect(rows[0].rolbypassrls).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

maybe('mode (c): runtime roles created by a DBA, owner without CREATEROLE', () => {
  let d: Deployment;
  const id = randomBytes(3).toString('hex');
  const roles = { tenant: `mc_app_${id}`, platform: `mc_platform_${id}` };
  const pw = { tenant: randomBytes(15).toString('base64url'), platform: randomBytes(15).toString('base64url') };

  beforeAll(async () => {
    d = await createDeployment('NOCREATEROLE');
    d.extraRoles.push(roles.tenant, roles.platform);
    // the DBA's SQL of the README ("Deploying on managed Postgres")
    await asSuperuser(async (c) => {
      for (const k of ['tenant', 'platform'] as const) {
        await c.query(`CREATE ROLE ${roles[k]} LOGIN PASSWORD '${scramVerifier(pw[k])}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION`);
        await c.query(`ALTER ROLE ${roles[k]} SET idle_in_transaction_session_timeout = '60s'`);
      }
    });
  });
  afterAll(() => d?.drop());

  const env = () => ({
    DATABASE_URL: d.ownerUrl,
    APP_DATABASE_URL: urlFor(d.ownerUrl, roles.tenant, pw.tenant),
    PLATFORM_DATABASE_URL: urlFor(d.ownerUrl, roles.platform, pw.platform),
    DATABASE_APP_ROLE: roles.tenant,
    DATABASE_PLATFORM_ROLE: roles.platform,
  });

  it('boots with no role DDL at all (migrations and grants only) and serves the smoke walkthrough', async () => {
    const svc = await bootService(env());
    try {
      expect(roleDdl(svc.setupStatements)).toEqual([]);
      const { rows } = await asSuperuser((c) => c.query(
        `SELECT has_table_privilege($1, 'public.resources', 'SELECT') AS t, has_table_privilege($2, 'public.platform_admins', 'SELECT') AS p`,
        [roles.tenant, roles.platform]), d.database);
      expect(rows[0]).toEqual({ t: true, p: true });
      await smoke(svc);
    } finally {
      await svc.close();
    }
  });

  it('without CREATEROLE and without the roles, it stops with the SQL a DBA must run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-deploy-'));
    try {
      const missing = `mc_missing_${id}`;
      const config = testConfig({ DATA_DIR: dir, DATABASE_URL: d.ownerUrl, DATABASE_APP_ROLE: missing, DATABASE_PLATFORM_ROLE: roles.platform });
      await expect(prepareDatabase(config, { migrationsDir: MIGRATIONS })).rejects.toThrow(
        new RegExp(`runtime role "${missing}" does not exist.*no CREATEROLE.*CREATE ROLE ${missing} LOGIN PASSWORD`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

maybe('SCRAM verifiers computed on the client', () => {
  it('Postgres accepts the verifier: the role logs in with the password, not with another', async () => {
    const role = `scram_${randomBytes(3).toString('hex')}`;
    const password = randomBytes(15).toString('base64url');
    await asSuperuser((c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${scramVerifier(password)}'`));
    try {
      const ok = new pg.Client({ connectionString: urlFor(superuserUrl()!, role, password, 'postgres') });
      await ok.connect();
      expect((await ok.query('SELECT current_user AS u')).rows[0].u).toBe(role);
      await ok.end();
      const wrong = new pg.Client({ connectionString: urlFor(superuserUrl()!, role, `${password}x`, 'postgres') });
      await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
      await wrong.end().catch(() => undefined);
    } finally {
      await asSuperuser((c) => c.query(`DROP ROLE ${role}`));
    }
  });
});
