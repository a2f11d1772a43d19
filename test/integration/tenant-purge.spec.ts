import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import request from 'supertest';
import { PurgeService } from '../../src/modules/registry/purge.service.js';
import { bearer, platformAdminToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, platformCommit, uniqueSubdomain } from '../helpers/db.js';
import { testEndpoints, testRoles } from '../helpers/env.js';

/** An unrestricted view of the data (superuser when the embedded server gives one, else the owner). */
async function inspect<T>(fn: (sql: pg.Client) => Promise<T>): Promise<T> {
  const { superuserUrl, ownerUrl } = testEndpoints();
  const sql = new pg.Client({ connectionString: superuserUrl ?? ownerUrl });
  await sql.connect();
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

/** Rows per tenant table (every table with tenant_id, from the catalog) for one tenant. */
async function footprint(tenantId: string): Promise<Record<string, number>> {
  return inspect(async (sql) => {
    const { rows: tables } = await sql.query(`
      SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)`);
    const out: Record<string, number> = {};
    for (const { t } of tables) {
      out[t] = (await sql.query(`SELECT count(*)::int AS n FROM ${t} WHERE tenant_id = $1`, [tenantId])).rows[0].n;
    }
    out['public.tenants'] = (await sql.query('SELECT count(*)::int AS n FROM tenants WHERE id = $1', [tenantId])).rows[0].n;
    return out;
  });
}

/** The run's runtime roles, and the owner of the schema (whoever DATABASE_URL names, not a fixed name). */
const R = testRoles();
const ownerRole = decodeURIComponent(new URL(testEndpoints().ownerUrl).username);

describe('tenant purge (npm run tenants:purge / the in-service schedule)', () => {
  let app: NestFastifyApplication;
  const probe = `purge_probe_${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    app = await createTestApp();
    // A tenant table no code knows of, with no foreign key to tenants: only catalog discovery
    // finds it. Dropped at the end (the file's database is its own).
    await inspect((sql) => sql.query(`
      CREATE TABLE ${probe} (tenant_id uuid NOT NULL, id uuid NOT NULL DEFAULT gen_random_uuid(), note text,
                             PRIMARY KEY (tenant_id, id));
      ALTER TABLE ${probe} OWNER TO ${ownerRole};
      ALTER TABLE ${probe} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${probe} FORCE ROW LEVEL SECURITY;
      CREATE POLICY ${probe}_tenant_isolation ON ${probe} AS RESTRICTIVE FOR ALL TO ${R.tenant}
        USING (tenant_id = (SELECT app.current_tenant_id())) WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
      CREATE POLICY ${probe}_tenant_access ON ${probe} FOR ALL TO ${R.tenant}
        USING (tenant_id = (SELECT app.current_tenant_id())) WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
      CREATE POLICY ${probe}_platform_access ON ${probe} FOR ALL TO ${R.platform}
        USING ((SELECT app.is_platform())) WITH CHECK ((SELECT app.is_platform()));
      REVOKE ALL ON ${probe} FROM PUBLIC;
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${probe} TO ${R.tenant}, ${R.platform};`));
  });
  afterAll(async () => {
    await app.close();
    await inspect((sql) => sql.query(`DROP TABLE ${probe}`));
  });

  /** A provisioned tenant with rows in every kind of table: users, refresh tokens, audit, integrations, the probe. */
  async function populatedTenant() {
    const http = request(app.getHttpServer());
    const admin = bearer(await platformAdminToken(app));
    const subdomain = uniqueSubdomain('purge');
    const created = await http.post('/v1/admin/tenants').set(admin)
      .send({ companyName: 'To Purge', subdomain, admin: { email: 'owner@p.test', password: 'a-long-enough-password' } }).expect(201);
    const id: string = created.body.tenant.id;
    await request(app.getHttpServer()).post('/v1/auth/login').set('X-Tenant-ID', id)
      .send({ email: 'owner@p.test', password: 'a-long-enough-password' }).expect(200);
    const tok = bearer(tenantToken(app, { tenantId: id, userId: created.body.admin.id, role: 'admin' }));
    await request(app.getHttpServer()).put('/v1/integrations/crm').set(tok).send({ provider: 'crm', credentials: { key: 'k' } }).expect(200);
    await request(app.getHttpServer()).patch('/v1/tenant/settings').set(tok).send({ settings: { a: 1 } }).expect(200);
    await platformCommit((sql) => sql.query(`INSERT INTO ${probe} (tenant_id, note) VALUES ($1, 'x'), ($1, 'y')`, [id]));
    return id;
  }

  it('hard-deletes every row of every tenant table of a tenant past purgeAfter, and nothing of others', async () => {
    const doomed = await populatedTenant();
    const keeper = await populatedTenant();
    const notYet = await populatedTenant();
    const admin = bearer(await platformAdminToken(app));
    for (const id of [doomed, notYet]) await request(app.getHttpServer()).delete(`/v1/admin/tenants/${id}`).set(admin).expect(200);
    await platformCommit((sql) => sql.query(`UPDATE tenants SET purge_after = now() - interval '1 second' WHERE id = $1`, [doomed]));

    const before = await footprint(doomed);
    for (const table of ['public.users', 'public.refresh_tokens', 'public.audit_logs', 'public.integrations', `public.${probe}`]) {
      expect({ table, some: before[table] > 0 }).toEqual({ table, some: true });
    }
    const keeperBefore = await footprint(keeper);
    const notYetBefore = await footprint(notYet);

    // every tenant of the file's database is considered: only the one past purgeAfter goes
    const report = await app.get(PurgeService).purgeDue();
    expect(report.purged.map((p) => p.id)).toEqual([doomed]);
    expect(report.failed).toEqual([]);

    const after = await footprint(doomed);
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
    expect(Object.keys(after)).toEqual(expect.arrayContaining(Object.keys(before)));
    expect(await footprint(keeper)).toEqual(keeperBefore);
    expect(await footprint(notYet)).toEqual(notYetBefore);

    // Nowhere else either: no row of any table mentions the id, but the platform audit record of the purge.
    const leftovers = await inspect(async (sql) => {
      const { rows: tables } = await sql.query(`
        SELECT format('%I.%I', n.nspname, c.relname) AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'r' AND n.nspname IN ('public', 'app') AND c.relname <> 'platform_audit_logs'`);
      const hits: string[] = [];
      for (const { t } of tables) {
        const { rows } = await sql.query(`SELECT count(*)::int AS n FROM ${t} x WHERE x::text LIKE '%' || $1 || '%'`, [doomed]);
        if (rows[0].n > 0) hits.push(`${t}: ${rows[0].n}`);
      }
      return hits;
    });
    expect(leftovers).toEqual([]);
    await asPlatform(async (sql) => {
      const { rows } = await sql.query(`SELECT action FROM platform_audit_logs WHERE target_tenant_id = $1 ORDER BY created_at`, [doomed]);
      expect(rows.map((r) => r.action)).toEqual(['tenant.provisioned', 'tenant.deleted', 'tenant.purged']);
    });
    // a second run has nothing left to do for it
    expect(await app.get(PurgeService).purgeDue()).toMatchObject({ purged: [], failed: [] });
  });
});
