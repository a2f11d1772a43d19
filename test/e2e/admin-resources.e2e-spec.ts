import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createPlatformAdmin, createUser, platformToken, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, asTenant } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

type Headers = Record<string, string>;
type Name = 'owner' | 'other' | 'g1' | 'g2' | 'g3' | 'outsider';

// docs/api.md "Shared resources, for platform admins": what platform admins see and change of
// what tenants share, checked over HTTP and against RLS in SQL as the tenants themselves.
describe('shared resources for platform admins (/v1/admin/resources)', () => {
  let app: NestFastifyApplication;
  const http = () => request(app.getHttpServer());
  const t = {} as Record<Name, TestTenant>;
  const admin = {} as Record<Name, Headers>;
  let platform: Headers;
  let platformAdminId: string;
  const kind = `k${randomBytes(5).toString('hex')}`;
  /** resource ids: the owner's global, selective and private ones, the other tenant's selective and private ones */
  const r = {} as Record<'global' | 'selective' | 'private' | 'otherSelective' | 'otherPrivate', string>;

  async function create(as: Headers, name: string, sharing: Record<string, unknown>): Promise<string> {
    const res = await http().post('/v1/resources').set(as).send({ kind, name, content: { n: name }, sharing });
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 201 });
    return res.body.id;
  }

  /** Rows of both audit trails about resource `id`, oldest first. */
  async function audits(id: string) {
    return asPlatform(async (sql) => ({
      platform: (await sql.query(
        `SELECT action, actor_id, target_tenant_id, detail FROM platform_audit_logs
          WHERE target_type = 'resource' AND target_id = $1 ORDER BY created_at, id`, [id])).rows,
      tenant: (await sql.query(
        `SELECT tenant_id, action, actor_id, detail FROM audit_logs
          WHERE target_type = 'resource' AND target_id = $1 AND action LIKE '%by_platform' ORDER BY created_at, id`, [id])).rows,
    }));
  }

  /** What tenant `who` reads of resource `id`: over HTTP and in SQL under its own RLS context. */
  async function seenBy(who: Name, id: string): Promise<{ http: boolean; sql: boolean }> {
    const one = await http().get(`/v1/resources/${id}`).set(admin[who]);
    expect([200, 404]).toContain(one.status);
    const rows = await asTenant(t[who].id, async (sql) => (await sql.query('SELECT id FROM resources WHERE id = $1', [id])).rowCount);
    return { http: one.status === 200, sql: rows === 1 };
  }

  beforeAll(async () => {
    app = await createTestApp();
    t.owner = await createTenant({ type: 'platform' }); // may publish globally
    t.other = await createTenant();
    t.g1 = await createTenant();
    t.g2 = await createTenant();
    t.g3 = await createTenant();
    t.outsider = await createTenant();
    for (const name of Object.keys(t) as Name[]) {
      const u = await createUser(t[name].id, { role: 'admin' });
      admin[name] = bearer(tenantToken(app, { tenantId: t[name].id, userId: u.id, role: 'admin' }));
    }
    platformAdminId = (await createPlatformAdmin()).id;
    platform = bearer(platformToken(app, platformAdminId));
    // created in this order, so newest first is otherPrivate, otherSelective, private, selective, global
    r.global = await create(admin.owner, 'Alpha global', { mode: 'global' });
    r.selective = await create(admin.owner, 'Beta selective', { mode: 'selective', tenants: [t.g1.id, t.g2.subdomain, t.g3.id] });
    r.private = await create(admin.owner, 'Alpha private', { mode: 'private' });
    r.otherSelective = await create(admin.other, 'alpha 100% other', { mode: 'selective', tenants: [t.g1.id] });
    r.otherPrivate = await create(admin.other, 'Alpha hidden', { mode: 'private' });
  });
  afterAll(() => app.close());

  const sorted = (...ids: string[]) => [...ids].sort();
  const summary = (x: TestTenant) => ({ id: x.id, subdomain: x.subdomain, companyName: `Company ${x.subdomain}` });
  const list = (query: string) => http().get(`/v1/admin/resources?kind=${kind}&${query}`).set(platform);

  describe('GET /v1/admin/resources', () => {
    it("lists every tenant's global and selective resources, newest first, never a private one", async () => {
      const res = await list('').expect(200);
      expect(res.body).toMatchObject({ page: 1, limit: 20, total: 3 });
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual([r.otherSelective, r.selective, r.global]);
      expect(res.body.items[1]).toEqual({
        id: r.selective, ownerTenantId: t.owner.id, owned: false, kind, name: 'Beta selective', content: { n: 'Beta selective' },
        sharing: { mode: 'selective', tenants: sorted(t.g1.id, t.g2.id, t.g3.id) },
        createdAt: expect.any(String), updatedAt: expect.any(String), owner: summary(t.owner),
      });
      expect(res.body.items[2]).toMatchObject({ id: r.global, sharing: { mode: 'global', tenants: [] }, owner: summary(t.owner) });
      expect(res.body.items[0]).toMatchObject({ sharing: { mode: 'selective', tenants: [t.g1.id] }, owner: summary(t.other) });
    });

    it.each([
      ['ownerTenantId', () => `ownerTenantId=${t.owner.id}`, () => [r.selective, r.global]],
      ['ownerTenantId of a tenant sharing nothing', () => `ownerTenantId=${t.outsider.id}`, () => []],
      ['mode=global', () => 'mode=global', () => [r.global]],
      ['mode=selective', () => 'mode=selective', () => [r.otherSelective, r.selective]],
      ['q, case-insensitive', () => 'q=ALPHA', () => [r.otherSelective, r.global]],
      ['q with a LIKE wildcard taken literally', () => `q=${encodeURIComponent('100%')}`, () => [r.otherSelective]],
      ['q that matches only private names', () => 'q=hidden', () => []],
      ['filters together', () => `ownerTenantId=${t.owner.id}&mode=selective&q=beta`, () => [r.selective]],
    ])('filters by %s', async (_name, query, expected) => {
      const res = await list(query()).expect(200);
      expect(res.body.items.map((i: { id: string }) => i.id)).toEqual(expected());
      expect(res.body.total).toBe(expected().length);
    });

    it('pages as every listing does', async () => {
      const pages = [];
      for (const page of [1, 2, 3, 4]) {
        const res = await list(`limit=1&page=${page}`).expect(200);
        expect(res.body).toMatchObject({ page, limit: 1, total: 3 });
        pages.push(res.body.items.map((i: { id: string }) => i.id));
      }
      expect(pages).toEqual([[r.otherSelective], [r.selective], [r.global], []]);
    });

    it.each(['mode=private', 'mode=everyone', 'ownerTenantId=nope', 'limit=101', 'page=0', 'kind=Bad', 'unknown=1'])(
      'refuses %s with 400', async (query) => {
        const res = await list(query).expect(400);
        expect(res.body.code).toBe('validation_failed');
      },
    );
  });

  describe('GET /v1/admin/resources/:id', () => {
    it('answers a shared resource with its owner and grantees', async () => {
      const res = await http().get(`/v1/admin/resources/${r.selective}`).set(platform).expect(200);
      const grantees = [t.g1, t.g2, t.g3].sort((a, b) => a.id.localeCompare(b.id));
      expect(res.body).toMatchObject({
        id: r.selective, ownerTenantId: t.owner.id, owned: false, name: 'Beta selective',
        owner: summary(t.owner), sharing: { mode: 'selective', tenants: grantees.map((g) => g.id) },
        grantees: grantees.map(summary),
      });
      const global = await http().get(`/v1/admin/resources/${r.global}`).set(platform).expect(200);
      expect(global.body).toMatchObject({ sharing: { mode: 'global', tenants: [] }, grantees: [], owner: summary(t.owner) });
    });

    it('is 404 for a private resource and for an unknown id, 400 for a malformed one', async () => {
      for (const id of [r.private, r.otherPrivate, randomUUID()]) {
        const res = await http().get(`/v1/admin/resources/${id}`).set(platform).expect(404);
        expect(res.body.code).toBe('resource_not_found');
      }
      await http().get('/v1/admin/resources/not-a-uuid').set(platform).expect(400);
    });

    it('writes nothing when a private resource is asked to change or go (404)', async () => {
      for (const id of [r.private, r.otherPrivate]) {
        expect((await http().put(`/v1/admin/resources/${id}/sharing`).set(platform).send({ mode: 'private' })).status).toBe(404);
        expect((await http().delete(`/v1/admin/resources/${id}`).set(platform)).status).toBe(404);
        expect(await audits(id)).toEqual({ platform: [], tenant: [] });
        // still there, and still private, for its owner
        const owner = id === r.private ? 'owner' : 'other';
        const own = await http().get(`/v1/resources/${id}`).set(admin[owner]).expect(200);
        expect(own.body.sharing).toEqual({ mode: 'private' });
      }
    });
  });

  describe('GET /v1/admin/tenants/:id/shares', () => {
    it('answers what a tenant shares and what is shared with it', async () => {
      const owner = await http().get(`/v1/admin/tenants/${t.owner.id}/shares`).set(platform).expect(200);
      expect(owner.body.granted.map((i: { id: string }) => i.id)).toEqual([r.selective, r.global]);
      expect(owner.body.received).toEqual([]);
      const g1 = await http().get(`/v1/admin/tenants/${t.g1.id}/shares`).set(platform).expect(200);
      expect(g1.body.granted).toEqual([]);
      expect(g1.body.received.map((i: { id: string }) => i.id)).toEqual([r.otherSelective, r.selective]);
      expect(g1.body.received[0]).toMatchObject({ owner: summary(t.other), sharing: { mode: 'selective', tenants: [t.g1.id] } });
      const other = await http().get(`/v1/admin/tenants/${t.other.id}/shares`).set(platform).expect(200);
      expect(other.body.granted.map((i: { id: string }) => i.id)).toEqual([r.otherSelective]);
    });

    it('is 404 for an unknown tenant', async () => {
      const res = await http().get(`/v1/admin/tenants/${randomUUID()}/shares`).set(platform).expect(404);
      expect(res.body.code).toBe('resource_not_found');
    });
  });

  describe('PUT /v1/admin/resources/:id/sharing and DELETE /v1/admin/resources/:id', () => {
    // one resource per test, so the order of the tests does not matter
    const fresh = (name: string, sharing: Record<string, unknown>, as: Name = 'owner') => create(admin[as], name, sharing);
    const put = (id: string, body: Record<string, unknown>) => http().put(`/v1/admin/resources/${id}/sharing`).set(platform).send(body);
    const shareRows = (owner: Name, id: string) =>
      asTenant(t[owner].id, async (sql) =>
        (await sql.query('SELECT grantee_tenant_id FROM resource_shares WHERE resource_id = $1 ORDER BY 1', [id])).rows.map((x) => x.grantee_tenant_id));

    it('takes a global resource down to private: no other tenant sees it any more, over HTTP or in SQL', async () => {
      const id = await fresh('to take down', { mode: 'global' });
      expect(await seenBy('outsider', id)).toEqual({ http: true, sql: true });
      const res = await put(id, { mode: 'private' }).expect(200);
      expect(res.body).toMatchObject({ id, owner: summary(t.owner), sharing: { mode: 'private', tenants: [] }, grantees: [] });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(res.body.createdAt));

      expect(await seenBy('outsider', id)).toEqual({ http: false, sql: false });
      expect(await seenBy('g1', id)).toEqual({ http: false, sql: false });
      const own = await http().get(`/v1/resources/${id}`).set(admin.owner).expect(200);
      expect(own.body).toMatchObject({ sharing: { mode: 'private' }, updatedAt: res.body.updatedAt });
      // and it is gone from the platform's view
      await http().get(`/v1/admin/resources/${id}`).set(platform).expect(404);
      expect((await list('limit=100').expect(200)).body.items.map((i: { id: string }) => i.id)).not.toContain(id);

      expect(await audits(id)).toEqual({
        platform: [{
          action: 'resource.sharing_changed', actor_id: platformAdminId, target_tenant_id: t.owner.id,
          detail: { from: 'global', to: 'private', removed: [] },
        }],
        tenant: [{
          tenant_id: t.owner.id, action: 'resource.sharing_changed_by_platform', actor_id: null,
          detail: { from: 'global', to: 'private', removed: [], platformAdminId },
        }],
      });
    });

    it('takes a selective resource down: its share rows go, its grantees lose it', async () => {
      const id = await fresh('selective to take down', { mode: 'selective', tenants: [t.g1.id, t.g2.id] });
      expect(await seenBy('g1', id)).toEqual({ http: true, sql: true });
      await put(id, { mode: 'private' }).expect(200);
      expect(await shareRows('owner', id)).toEqual([]);
      expect(await seenBy('g1', id)).toEqual({ http: false, sql: false });
      expect(await seenBy('g2', id)).toEqual({ http: false, sql: false });
      expect((await audits(id)).platform[0].detail).toEqual({ from: 'selective', to: 'private', removed: sorted(t.g1.id, t.g2.id) });
    });

    it('narrows a selective share to fewer grantees (by id or subdomain)', async () => {
      const id = await fresh('to narrow', { mode: 'selective', tenants: [t.g1.id, t.g2.id, t.g3.id] });
      const res = await put(id, { mode: 'selective', tenants: [t.g1.subdomain.toUpperCase(), t.g3.id, t.owner.id] }).expect(200);
      expect(res.body).toMatchObject({
        sharing: { mode: 'selective', tenants: sorted(t.g1.id, t.g3.id) },
        grantees: [t.g1, t.g3].sort((a, b) => a.id.localeCompare(b.id)).map(summary),
      });
      expect(await shareRows('owner', id)).toEqual(sorted(t.g1.id, t.g3.id));
      expect(await seenBy('g2', id)).toEqual({ http: false, sql: false });
      expect(await seenBy('g1', id)).toEqual({ http: true, sql: true });
      expect(await seenBy('g3', id)).toEqual({ http: true, sql: true });
      const detail = (await http().get(`/v1/admin/resources/${id}`).set(platform).expect(200)).body;
      expect(detail.sharing.tenants).toEqual(sorted(t.g1.id, t.g3.id));
      const trail = await audits(id);
      expect(trail.platform).toEqual([expect.objectContaining({
        action: 'resource.sharing_changed', detail: { from: 'selective', to: 'selective', removed: [t.g2.id] },
      })]);
      expect(trail.tenant).toEqual([expect.objectContaining({ tenant_id: t.owner.id, action: 'resource.sharing_changed_by_platform' })]);
    });

    it('narrows a global resource to listed tenants', async () => {
      const id = await fresh('global to narrow', { mode: 'global' });
      const res = await put(id, { mode: 'selective', tenants: [t.g2.subdomain] }).expect(200);
      expect(res.body.sharing).toEqual({ mode: 'selective', tenants: [t.g2.id] });
      expect(await seenBy('g2', id)).toEqual({ http: true, sql: true });
      expect(await seenBy('outsider', id)).toEqual({ http: false, sql: false });
      expect((await audits(id)).platform[0].detail).toEqual({ from: 'global', to: 'selective', removed: [], added: [t.g2.id] });
    });

    it('refuses every widening with 409 and writes nothing', async () => {
      const selective = await fresh('not to widen', { mode: 'selective', tenants: [t.g1.id] });
      const global = await fresh('global, not to widen', { mode: 'global' });
      for (const [id, body] of [
        [selective, { mode: 'selective', tenants: [t.g1.id, t.outsider.id] }],
        [selective, { mode: 'selective', tenants: [t.outsider.subdomain] }],
        [selective, { mode: 'global' }],
      ] as const) {
        const res = await put(id, body).expect(409);
        expect(res.body).toMatchObject({ status: 409, code: 'sharing_widening_refused' });
      }
      expect(await shareRows('owner', selective)).toEqual([t.g1.id]);
      expect(await seenBy('outsider', selective)).toEqual({ http: false, sql: false });
      const after = await http().get(`/v1/admin/resources/${selective}`).set(platform).expect(200);
      expect(after.body.sharing).toEqual({ mode: 'selective', tenants: [t.g1.id] });
      expect(await audits(selective)).toEqual({ platform: [], tenant: [] });
      // the same sharing again is no change: 200, nothing written
      await put(global, { mode: 'global' }).expect(200);
      await put(selective, { mode: 'selective', tenants: [t.g1.id] }).expect(200);
      expect(await audits(global)).toEqual({ platform: [], tenant: [] });
      expect(await audits(selective)).toEqual({ platform: [], tenant: [] });
    });

    it('refuses an unknown tenant or tenants outside selective with 400, writing nothing', async () => {
      const id = await fresh('bad requests', { mode: 'selective', tenants: [t.g1.id, t.g2.id] });
      const unknown = await put(id, { mode: 'selective', tenants: [t.g1.id, 'no-such-tenant', randomUUID()] }).expect(400);
      expect(unknown.body.code).toBe('validation_failed');
      expect(unknown.body.errors.map((e: { field: string }) => e.field)).toEqual(['tenants.1', 'tenants.2']);
      for (const body of [{ mode: 'private', tenants: [t.g1.id] }, { mode: 'nobody' }, {}, { mode: 'private', extra: 1 }]) {
        expect((await put(id, body)).status).toBe(400);
      }
      expect(await shareRows('owner', id)).toEqual(sorted(t.g1.id, t.g2.id));
      expect(await audits(id)).toEqual({ platform: [], tenant: [] });
    });

    it('deletes a shared resource and its share rows (204), audited for the platform and the owner', async () => {
      const id = await fresh('to delete', { mode: 'selective', tenants: [t.g1.id, t.g2.id] }, 'other');
      const rowsOf = () => asTenant(t.other.id, async (sql) => ({
        resources: (await sql.query('SELECT count(*)::int AS n FROM resources WHERE id = $1', [id])).rows[0].n,
        shares: (await sql.query('SELECT count(*)::int AS n FROM resource_shares WHERE resource_id = $1', [id])).rows[0].n,
      }));
      expect(await rowsOf()).toEqual({ resources: 1, shares: 2 });
      const res = await http().delete(`/v1/admin/resources/${id}`).set(platform).expect(204);
      expect(res.text).toBe('');
      expect(await rowsOf()).toEqual({ resources: 0, shares: 0 });
      expect(await seenBy('g1', id)).toEqual({ http: false, sql: false });
      await http().get(`/v1/admin/resources/${id}`).set(platform).expect(404);
      await http().delete(`/v1/admin/resources/${id}`).set(platform).expect(404);
      expect(await audits(id)).toEqual({
        platform: [{
          action: 'resource.deleted', actor_id: platformAdminId, target_tenant_id: t.other.id,
          detail: { kind, name: 'to delete', mode: 'selective', grantees: sorted(t.g1.id, t.g2.id) },
        }],
        tenant: [{
          tenant_id: t.other.id, action: 'resource.deleted_by_platform', actor_id: null,
          detail: { kind, name: 'to delete', mode: 'selective', grantees: sorted(t.g1.id, t.g2.id), platformAdminId },
        }],
      });
    });
  });

  describe('who may call them', () => {
    const routes = () => [
      http().get('/v1/admin/resources'),
      http().get(`/v1/admin/resources/${r.global}`),
      http().put(`/v1/admin/resources/${r.global}/sharing`).send({ mode: 'private' }),
      http().delete(`/v1/admin/resources/${r.global}`),
      http().get(`/v1/admin/tenants/${t.owner.id}/shares`),
    ];

    it('refuses a tenant token (403, even an admin of the owner) and no token (401), writing nothing', async () => {
      for (const req of routes()) {
        const res = await req.set(admin.owner);
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 403, code: 'forbidden' });
      }
      for (const req of routes()) expect((await req).status).toBe(401);
      const still = await http().get(`/v1/admin/resources/${r.global}`).set(platform).expect(200);
      expect(still.body.sharing.mode).toBe('global');
      expect(await audits(r.global)).toEqual({ platform: [], tenant: [] });
    });
  });
});
