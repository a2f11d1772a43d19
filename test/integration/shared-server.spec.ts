import { existsSync } from 'node:fs';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createTestBed } from '../helpers/test-bed.js';
import { asSuperuser, bootService, createDeployment, MIGRATIONS, superuserUrl, type Deployment, type RunningService } from '../helpers/service.js';

// Issue 12 item 4: a running instance keeps serving while a test run (the global setup and
// teardown of `DATABASE_URL=… npm test`) sets itself up on the same server and goes away. The
// run creates and drops only its own database and roles; it never alters the service's roles.
const maybe = superuserUrl() ? describe : describe.skip;

maybe('a running instance keeps serving while the suite runs against the same server', () => {
  let d: Deployment;
  let svc: RunningService;
  let roles: { tenant: string; platform: string };

  const snapshot = () => asSuperuser(async (c) => (await c.query(
    `SELECT a.rolname, a.rolpassword, a.rolcanlogin, a.rolsuper, a.rolbypassrls, a.rolvaliduntil,
            ARRAY(SELECT m.member::regrole::text FROM pg_auth_members m WHERE m.roleid = a.oid ORDER BY 1) AS members,
            ARRAY(SELECT s.setconfig::text FROM pg_db_role_setting s WHERE s.setrole = a.oid ORDER BY 1) AS settings
       FROM pg_authid a WHERE a.rolname = ANY($1) ORDER BY a.rolname`, [[roles.tenant, roles.platform]])).rows);

  beforeAll(async () => {
    d = await createDeployment('CREATEROLE CREATEDB');
    // the service's roles get the default names, unless the server already has roles of those
    // names (a real service's): then the test does not touch them either
    const taken = await asSuperuser((c) => c.query(
      `SELECT count(*)::int AS n FROM pg_roles WHERE rolname IN ('tenancy_app', 'tenancy_platform')`));
    const suffix = randomBytes(3).toString('hex');
    roles = taken.rows[0].n === 0
      ? { tenant: 'tenancy_app', platform: 'tenancy_platform' }
      : { tenant: `svc_app_${suffix}`, platform: `svc_platform_${suffix}` };
    d.extraRoles.push(roles.tenant, roles.platform);
    svc = await bootService({
      DATABASE_URL: d.ownerUrl, DATABASE_APP_ROLE: roles.tenant, DATABASE_PLATFORM_ROLE: roles.platform,
      DB_POOL_SIZE: '2',
    });
  });
  afterAll(async () => {
    await svc?.close();
    await d?.drop();
  });

  it('the service answers 200 before, during and after a test-bed setup and teardown on its server', async () => {
    const login = () => svc.http().post('/v1/platform/auth/login').send(svc.admin);
    const p = await login().expect(200);
    const P = { authorization: `Bearer ${p.body.accessToken}` };
    await svc.http().get('/v1/admin/tenants').set(P).expect(200);
    const before = await snapshot();
    expect(before).toHaveLength(2);

    const bed = await createTestBed({ databaseUrl: d.ownerUrl, migrationsDir: MIGRATIONS });
    let dropped = false;
    try {
      expect(bed.database).toMatch(/^tenancy_test_/);
      expect([bed.roles.tenant, bed.roles.platform]).not.toContain(roles.tenant);
      // the bed works: its own runtime role reads its own database
      const c = new pg.Client({ connectionString: bed.db.tenantUrl });
      await c.connect();
      expect((await c.query('SELECT current_user AS u, current_database() AS db')).rows[0])
        .toEqual({ u: bed.roles.tenant, db: bed.database });
      await c.end();
      await svc.http().get('/v1/admin/tenants').set(P).expect(200);
      await bed.dispose();
      dropped = true;
    } finally {
      if (!dropped) await bed.dispose();
    }

    // nothing of the service's roles changed, and new connections with its passwords work
    expect(await snapshot()).toEqual(before);
    for (const url of [svc.db.tenantUrl, svc.db.platformUrl]) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.end();
    }
    await login().expect(200);
    await svc.http().get('/v1/admin/tenants').set(P).expect(200);

    // and the run left nothing behind: database, roles, folder
    const left = await asSuperuser((c) => c.query(
      `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1) AS dbs,
              (SELECT count(*)::int FROM pg_roles WHERE rolname = ANY($2)) AS roles`,
      [bed.database, [bed.roles.tenant, bed.roles.platform]]));
    expect(left.rows[0]).toEqual({ dbs: 0, roles: 0 });
    expect(existsSync(bed.dataDir)).toBe(false);
  });
});
