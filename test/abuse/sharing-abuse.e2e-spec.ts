import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createUser, platformAdminToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, asTenant } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

type Headers = Record<string, string>;

/** A kind no other test uses, so listings filtered by it are this test's rows only. */
const uniqueKind = () => `k${randomBytes(5).toString('hex')}`;

describe('sharing abuse (issue 11, items 11 and 12)', () => {
  let app: NestFastifyApplication;
  const http = () => request(app.getHttpServer());
  let a: TestTenant; // platform-type owner
  let b: TestTenant; // reader, listed on the selective share
  let c: TestTenant; // a client tenant
  const admin = {} as Record<'a' | 'b' | 'c', Headers>;
  const member = {} as Record<'a' | 'c', Headers>;
  let platform: Headers;

  async function tokenFor(tenant: TestTenant, role: string): Promise<Headers> {
    const u = await createUser(tenant.id, { role });
    return bearer(tenantToken(app, { tenantId: tenant.id, userId: u.id, role }));
  }

  beforeAll(async () => {
    app = await createTestApp();
    a = await createTenant({ type: 'platform' });
    b = await createTenant();
    c = await createTenant();
    admin.a = await tokenFor(a, 'admin');
    admin.b = await tokenFor(b, 'admin');
    admin.c = await tokenFor(c, 'admin');
    member.a = await tokenFor(a, 'member');
    member.c = await tokenFor(c, 'member');
    platform = bearer(await platformAdminToken(app));
  });
  afterAll(() => app.close());

  /** This kind's resources of `tenant`, counted in SQL as that tenant (so nothing is hidden). */
  const ownRowsOfKind = (tenant: TestTenant, kind: string) =>
    asTenant(tenant.id, async (sql) =>
      (await sql.query('SELECT count(*)::int AS n FROM resources WHERE tenant_id = $1 AND kind = $2', [tenant.id, kind])).rows[0].n);

  describe('item 11: a member cannot share at creation', () => {
    it.each([
      ['a platform tenant, selective', 'a', () => ({ mode: 'selective', tenants: [b.subdomain] })],
      ['a platform tenant, selective without tenants', 'a', () => ({ mode: 'selective' })],
      ['a platform tenant, global', 'a', () => ({ mode: 'global' })],
      ['a client tenant, selective', 'c', () => ({ mode: 'selective', tenants: [b.id] })],
    ] as const)('member of %s → 403 forbidden, nothing written', async (_label, who, sharing) => {
      const kind = uniqueKind();
      const res = await http().post('/v1/resources').set(member[who]).send({ kind, name: 'sneaky', content: {}, sharing: sharing() });
      expect([res.status, res.body.code]).toEqual([403, 'forbidden']);
      expect(await ownRowsOfKind(who === 'a' ? a : c, kind)).toBe(0);
      // and nothing reached the would-be grantee
      const seen = await http().get(`/v1/resources?kind=${kind}`).set(admin.b).expect(200);
      expect(seen.body.total).toBe(0);
    });

    it('a member still creates private resources (with or without an explicit sharing)', async () => {
      const kind = uniqueKind();
      for (const body of [{}, { sharing: { mode: 'private' } }]) {
        const res = await http().post('/v1/resources').set(member.a).send({ kind, name: 'mine', content: {}, ...body }).expect(201);
        expect(res.body).toMatchObject({ owned: true, sharing: { mode: 'private' } });
      }
      expect(await ownRowsOfKind(a, kind)).toBe(2);
    });

    it('an admin may share at creation, as with PUT …/sharing', async () => {
      const kind = uniqueKind();
      const res = await http().post('/v1/resources').set(admin.a).send({ kind, name: 'shared', content: {}, sharing: { mode: 'selective', tenants: [b.subdomain] } }).expect(201);
      expect(res.body.sharing).toEqual({ mode: 'selective', tenants: [b.id] });
      await http().get(`/v1/resources/${res.body.id}`).set(admin.b).expect(200);
    });
  });

  describe('item 12: a tenant that is not active shares nothing', () => {
    let kind: string;
    const ids = {} as Record<'global' | 'selective' | 'private', string>;

    beforeAll(async () => {
      kind = uniqueKind();
      for (const mode of ['global', 'selective', 'private'] as const) {
        const res = await http().post('/v1/resources').set(admin.a)
          .send({ kind, name: mode, content: { mode }, sharing: mode === 'selective' ? { mode, tenants: [b.id] } : { mode } })
          .expect(201);
        ids[mode] = res.body.id;
      }
    });

    /** What B sees of A's resources: GET by id (200 or 404) and the listings of the kind. */
    async function seenByB() {
      const out: Record<string, unknown> = {};
      for (const mode of ['global', 'selective'] as const) {
        const one = await http().get(`/v1/resources/${ids[mode]}`).set(admin.b);
        out[mode] = one.status === 200 ? 200 : `${one.status} ${one.body.code}`;
      }
      for (const scope of ['all', 'shared'] as const) {
        const list = await http().get(`/v1/resources?kind=${kind}&scope=${scope}&limit=100`).set(admin.b).expect(200);
        out[scope] = { names: list.body.items.map((r: { name: string }) => r.name).sort(), total: list.body.total };
      }
      return out;
    }
    /** The same in SQL, as tenancy_app with B's id set. */
    const seenByBInSql = () =>
      asTenant(b.id, async (sql) => {
        const byId = await sql.query('SELECT name FROM resources WHERE id = ANY($1) ORDER BY name', [Object.values(ids)]);
        const listed = await sql.query(`SELECT name FROM app.list_visible_resources('all', $1, 100, 0) WHERE id IS NOT NULL ORDER BY name`, [kind]);
        return { byId: byId.rows.map((r) => r.name), listed: listed.rows.map((r) => r.name) };
      });

    const visible = {
      global: 200, selective: 200,
      all: { names: ['global', 'selective'], total: 2 }, shared: { names: ['global', 'selective'], total: 2 },
    };
    const hidden = {
      global: '404 resource_not_found', selective: '404 resource_not_found',
      all: { names: [], total: 0 }, shared: { names: [], total: 0 },
    };

    it('while A is active, B reads its global and selective resources', async () => {
      expect(await seenByB()).toEqual(visible);
      expect(await seenByBInSql()).toEqual({ byId: ['global', 'selective'], listed: ['global', 'selective'] });
    });

    it('suspending A hides them from B (HTTP and SQL); reactivating shows them again', async () => {
      await http().post(`/v1/admin/tenants/${a.id}/suspend`).set(platform).send({ reason: 'abuse test' }).expect(200);
      try {
        expect(await seenByB()).toEqual(hidden);
        expect(await seenByBInSql()).toEqual({ byId: [], listed: [] });
        // C, which was never shared the selective one, loses the global one too
        await http().get(`/v1/resources/${ids.global}`).set(admin.c).expect(404);
        // hidden, not gone: the platform role still reads the shared ones (never a private one,
        // 0031), and A's own session all its rows
        const kept = await asPlatform(async (sql) =>
          (await sql.query('SELECT count(*)::int AS n FROM resources WHERE id = ANY($1)', [Object.values(ids)])).rows[0].n);
        expect(kept).toBe(2);
        expect(await ownRowsOfKind(a, kind)).toBe(3);
      } finally {
        await http().post(`/v1/admin/tenants/${a.id}/reactivate`).set(platform).send({}).expect(200);
      }
      expect(await seenByB()).toEqual(visible);
      expect(await seenByBInSql()).toEqual({ byId: ['global', 'selective'], listed: ['global', 'selective'] });
    });

    it('soft-deleting A hides them until the purge; restoring shows them again', async () => {
      await http().delete(`/v1/admin/tenants/${a.id}`).set(platform).expect(200);
      try {
        expect(await seenByB()).toEqual(hidden);
        expect(await seenByBInSql()).toEqual({ byId: [], listed: [] });
      } finally {
        await http().post(`/v1/admin/tenants/${a.id}/restore`).set(platform).send({}).expect(200);
      }
      expect(await seenByB()).toEqual(visible);
      expect(await seenByBInSql()).toEqual({ byId: ['global', 'selective'], listed: ['global', 'selective'] });
    });
  });
});
