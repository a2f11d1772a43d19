import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { bearer, createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { signedTenant } from '../helpers/context.js';
import { asTenant, tenantClient } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

type Headers = Record<string, string>;
type Mode = 'private' | 'global' | 'selective';
type Reader = 'owner' | 'listed' | 'unlisted' | 'platform';

/** A kind no other test uses, so listings filtered by it are this test's rows only. */
const uniqueKind = () => `k${randomBytes(5).toString('hex')}`;

describe('sharing over HTTP (docs/api.md "Sharing", docs/isolation.md 10–16)', () => {
  let app: NestFastifyApplication;
  const http = () => request(app.getHttpServer());
  // The owner is a platform-type tenant, so it may use all three modes.
  const t = {} as Record<Reader | 'client', TestTenant>;
  const admin = {} as Record<Reader | 'client', Headers>;
  let ownerMember: Headers;
  let ownerReadOnly: Headers;

  async function tokenFor(tenant: TestTenant, role: string): Promise<Headers> {
    const u = await createUser(tenant.id, { role });
    return bearer(tenantToken(app, { tenantId: tenant.id, userId: u.id, role }));
  }

  beforeAll(async () => {
    app = await createTestApp();
    t.owner = await createTenant({ type: 'platform' });
    t.listed = await createTenant();
    t.unlisted = await createTenant();
    t.platform = await createTenant({ type: 'platform' });
    t.client = await createTenant();
    for (const k of Object.keys(t) as Array<keyof typeof t>) admin[k] = await tokenFor(t[k], 'admin');
    ownerMember = await tokenFor(t.owner, 'member');
    ownerReadOnly = await tokenFor(t.owner, 'read_only');
  });
  afterAll(() => app.close());

  async function create(as: Headers, body: Record<string, unknown>, status = 201) {
    const res = await http().post('/v1/resources').set(as).send(body);
    expect({ status: res.status, body: res.body }).toMatchObject({ status });
    return res.body;
  }

  /** What `reader` sees of resource `id`: over GET /:id and in the listing of its kind. */
  async function visibility(reader: Headers, id: string, kind: string) {
    const one = await http().get(`/v1/resources/${id}`).set(reader);
    const list = await http().get(`/v1/resources?kind=${kind}&limit=100`).set(reader).expect(200);
    const listed = list.body.items.some((r: { id: string }) => r.id === id);
    expect(one.status === 200).toBe(listed);
    if (one.status !== 200) expect(one.body.code).toBe('resource_not_found');
    return listed;
  }

  const canSee = (mode: Mode, reader: Reader) =>
    reader === 'owner' || mode === 'global' || (mode === 'selective' && reader === 'listed');

  describe.each(['private', 'global', 'selective'] as const)('mode %s', (mode) => {
    let kind: string;
    let resource: { id: string };

    beforeAll(async () => {
      kind = uniqueKind();
      resource = await create(admin.owner, {
        kind, name: `${mode} thing`, content: { text: 'hello' },
        sharing: mode === 'selective' ? { mode, tenants: [t.listed.subdomain] } : { mode },
      });
    });

    it.each(['listed', 'unlisted', 'platform'] as const)('reader %s: list, read, update, delete, reshare', async (reader) => {
      const as = admin[reader];
      const visible = canSee(mode, reader);
      expect(await visibility(as, resource.id, kind)).toBe(visible);
      if (visible) {
        const got = await http().get(`/v1/resources/${resource.id}`).set(as).expect(200);
        expect(got.body).toMatchObject({ id: resource.id, ownerTenantId: t.owner.id, owned: false, sharing: { mode } });
        // only the owner learns whom it is shared with
        expect(got.body.sharing.tenants).toBeUndefined();
      }
      // Never a write: 403 when it is visible, 404 when it is not.
      const status = visible ? 403 : 404;
      const code = visible ? 'forbidden' : 'resource_not_found';
      const patch = await http().patch(`/v1/resources/${resource.id}`).set(as).send({ name: 'taken over' });
      expect([patch.status, patch.body.code]).toEqual([status, code]);
      const reshare = await http().put(`/v1/resources/${resource.id}/sharing`).set(as).send({ mode: 'selective', tenants: [t[reader].id] });
      expect([reshare.status, reshare.body.code]).toEqual([status, code]);
      const del = await http().delete(`/v1/resources/${resource.id}`).set(as);
      expect([del.status, del.body.code]).toEqual([status, code]);
      // nothing changed
      const after = await http().get(`/v1/resources/${resource.id}`).set(admin.owner).expect(200);
      expect(after.body).toMatchObject({ name: `${mode} thing`, sharing: { mode } });
      if (mode === 'selective') expect(after.body.sharing.tenants).toEqual([t.listed.id]);
      else expect(after.body.sharing.tenants).toBeUndefined();
    });

    it('reader owner: list, read, update, reshare, delete', async () => {
      expect(await visibility(admin.owner, resource.id, kind)).toBe(true);
      const got = await http().get(`/v1/resources/${resource.id}`).set(admin.owner).expect(200);
      expect(got.body).toMatchObject({ id: resource.id, ownerTenantId: t.owner.id, owned: true, kind, content: { text: 'hello' } });
      const patched = await http().patch(`/v1/resources/${resource.id}`).set(admin.owner).send({ name: 'renamed', content: { v: 2 } }).expect(200);
      expect(patched.body).toMatchObject({ name: 'renamed', content: { v: 2 }, sharing: { mode } });
      const reshared = await http().put(`/v1/resources/${resource.id}/sharing`).set(admin.owner)
        .send(mode === 'selective' ? { mode, tenants: [t.listed.id, t.unlisted.subdomain] } : { mode }).expect(200);
      expect(reshared.body.sharing.mode).toBe(mode);
      if (mode === 'selective') {
        expect(reshared.body.sharing.tenants).toEqual([t.listed.id, t.unlisted.id].sort());
        expect(await visibility(admin.unlisted, resource.id, kind)).toBe(true);
      }
      await http().delete(`/v1/resources/${resource.id}`).set(admin.owner).expect(204);
      for (const reader of ['owner', 'listed', 'unlisted', 'platform'] as const) {
        expect(await visibility(admin[reader], resource.id, kind)).toBe(false);
      }
      // its shares went with it
      await asTenant(t.owner.id, async (sql) => {
        expect((await sql.query('SELECT count(*)::int AS n FROM resource_shares WHERE resource_id = $1', [resource.id])).rows[0].n).toBe(0);
      });
    });
  });

  it('changes of mode in every direction take effect on the next request', async () => {
    const kind = uniqueKind();
    const r = await create(admin.owner, { kind, name: 'moving', content: {} });
    const expectSeen = async (expected: Record<Exclude<Reader, 'owner'>, boolean>) => {
      const seen = {
        listed: await visibility(admin.listed, r.id, kind),
        unlisted: await visibility(admin.unlisted, r.id, kind),
        platform: await visibility(admin.platform, r.id, kind),
      };
      expect(seen).toEqual(expected);
      expect(await visibility(admin.owner, r.id, kind)).toBe(true);
    };
    const put = (body: object) => http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner).send(body).expect(200);
    const none = { listed: false, unlisted: false, platform: false };
    const all = { listed: true, unlisted: true, platform: true };
    const onlyListed = { listed: true, unlisted: false, platform: false };
    await expectSeen(none);
    const steps: Array<[object, typeof none]> = [
      [{ mode: 'global' }, all], // private → global
      [{ mode: 'selective', tenants: [t.listed.id] }, onlyListed], // global → selective
      [{ mode: 'private' }, none], // selective → private
      [{ mode: 'selective', tenants: [t.listed.id, t.platform.subdomain] }, { ...onlyListed, platform: true }], // private → selective
      [{ mode: 'selective', tenants: [t.platform.id] }, { ...none, platform: true }], // narrowing: listed drops out
      [{ mode: 'selective', tenants: [] }, none], // revoking every share
      [{ mode: 'selective', tenants: [t.unlisted.id] }, { ...none, unlisted: true }],
      [{ mode: 'global' }, all], // selective → global
      [{ mode: 'private' }, none], // global → private
    ];
    for (const [body, expected] of steps) {
      await put(body);
      await expectSeen(expected);
    }
    // leaving selective drops the share rows themselves
    await asTenant(t.owner.id, async (sql) => {
      expect((await sql.query('SELECT count(*)::int AS n FROM resource_shares WHERE resource_id = $1', [r.id])).rows[0].n).toBe(0);
    });
  });

  it('a non-platform tenant cannot publish globally (403), neither on create nor by PUT sharing', async () => {
    const kind = uniqueKind();
    const refused = await create(admin.client, { kind, name: 'x', content: {}, sharing: { mode: 'global' } }, 403);
    expect(refused.code).toBe('forbidden');
    const r = await create(admin.client, { kind, name: 'x', content: {} });
    const res = await http().put(`/v1/resources/${r.id}/sharing`).set(admin.client).send({ mode: 'global' }).expect(403);
    expect(res.body.code).toBe('forbidden');
    expect((await http().get(`/v1/resources/${r.id}`).set(admin.client).expect(200)).body.sharing).toEqual({ mode: 'private' });
    expect(await visibility(admin.listed, r.id, kind)).toBe(false);
    // selective is fine for any tenant
    await http().put(`/v1/resources/${r.id}/sharing`).set(admin.client).send({ mode: 'selective', tenants: [t.listed.id] }).expect(200);
    expect(await visibility(admin.listed, r.id, kind)).toBe(true);
  });

  it('sharing with an unknown tenant is 400 and changes nothing; sharing with yourself is ignored', async () => {
    const kind = uniqueKind();
    const r = await create(admin.owner, { kind, name: 'x', content: {}, sharing: { mode: 'selective', tenants: [t.listed.id] } });
    for (const unknown of [randomUUID(), 'no-such-tenant-here', 'www', 'Not A Subdomain!']) {
      const res = await http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner)
        .send({ mode: 'selective', tenants: [t.unlisted.id, unknown] }).expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors).toEqual([{ field: 'tenants.1', message: expect.any(String) }]);
    }
    await create(admin.owner, { kind, name: 'y', content: {}, sharing: { mode: 'selective', tenants: [randomUUID()] } }, 400);
    expect((await http().get(`/v1/resources/${r.id}`).set(admin.owner).expect(200)).body.sharing.tenants).toEqual([t.listed.id]);
    expect(await visibility(admin.unlisted, r.id, kind)).toBe(false);

    const self = await http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner)
      .send({ mode: 'selective', tenants: [t.owner.id, t.owner.subdomain, t.listed.subdomain, t.listed.id] }).expect(200);
    expect(self.body.sharing).toEqual({ mode: 'selective', tenants: [t.listed.id] });
    // tenants only make sense with selective
    await http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner).send({ mode: 'private', tenants: [t.listed.id] }).expect(400);
  });

  it('a deleted tenant is unknown as a grantee', async () => {
    const gone = await createTenant({ status: 'deleted' });
    const r = await create(admin.owner, { kind: uniqueKind(), name: 'x', content: {} });
    await http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner).send({ mode: 'selective', tenants: [gone.id] }).expect(400);
  });

  it('roles: read_only reads but cannot create; member writes but cannot PUT sharing; admin shares', async () => {
    const kind = uniqueKind();
    expect((await create(ownerReadOnly, { kind, name: 'x', content: {} }, 403)).code).toBe('forbidden');
    const r = await create(ownerMember, { kind, name: 'by member', content: { a: 1 } });
    expect(r).toMatchObject({ owned: true, sharing: { mode: 'private' }, ownerTenantId: t.owner.id });
    await http().get(`/v1/resources/${r.id}`).set(ownerReadOnly).expect(200);
    await http().get(`/v1/resources?kind=${kind}`).set(ownerReadOnly).expect(200);
    await http().patch(`/v1/resources/${r.id}`).set(ownerReadOnly).send({ name: 'no' }).expect(403);
    await http().delete(`/v1/resources/${r.id}`).set(ownerReadOnly).expect(403);
    const put = await http().put(`/v1/resources/${r.id}/sharing`).set(ownerMember).send({ mode: 'selective', tenants: [t.listed.id] }).expect(403);
    expect(put.body.code).toBe('forbidden');
    await http().patch(`/v1/resources/${r.id}`).set(ownerMember).send({ name: 'renamed' }).expect(200);
    await http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner).send({ mode: 'selective', tenants: [t.listed.id] }).expect(200);
    await http().delete(`/v1/resources/${r.id}`).set(ownerMember).expect(204);
  });

  it('validates bodies, ids and queries', async () => {
    const bad = [
      {}, { kind: 'Agent', name: 'x', content: {} }, { kind: 'a', name: 'x', content: {} }, { kind: 'agent', name: '', content: {} },
      { kind: 'agent', name: 'x', content: [] }, { kind: 'agent', name: 'x' }, { kind: 'agent', name: 'x', content: {}, extra: 1 },
      { kind: 'agent', name: 'x', content: {}, sharing: { mode: 'public' } }, { kind: 'agent', name: 'x', content: {}, tenantId: t.listed.id },
      { kind: 'agent', name: 'x', content: {}, sharing: { mode: 'selective', tenants: 'x' } },
    ];
    for (const body of bad) {
      const res = await http().post('/v1/resources').set(admin.owner).send(body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 'validation_failed' });
    }
    for (const q of ['page=0', 'limit=0', 'limit=101', 'page=x', 'scope=mine', 'kind=BAD', 'other=1']) {
      const res = await http().get(`/v1/resources?${q}`).set(admin.owner);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
    await http().get('/v1/resources/not-a-uuid').set(admin.owner).expect(400);
    await http().get(`/v1/resources/${randomUUID()}`).set(admin.owner).expect(404);
    await http().patch(`/v1/resources/${randomUUID()}`).set(admin.owner).send({ name: 'x' }).expect(404);
    await http().put(`/v1/resources/${randomUUID()}/sharing`).set(admin.owner).send({ mode: 'selective', tenants: 'nope' }).expect(400);
  });

  it('lists by scope (own, shared, all), newest first, with paging and totals', async () => {
    const kind = uniqueKind();
    const reader = await createTenant();
    const readerAdmin = await tokenFor(reader, 'admin');
    const own: string[] = [];
    for (let i = 0; i < 3; i++) own.push((await create(readerAdmin, { kind, name: `own ${i}`, content: {} })).id);
    const global = (await create(admin.owner, { kind, name: 'global', content: {}, sharing: { mode: 'global' } })).id;
    const shared = (await create(admin.client, { kind, name: 'shared', content: {}, sharing: { mode: 'selective', tenants: [reader.id] } })).id;
    await create(admin.client, { kind, name: 'private of another', content: {} });
    await create(admin.client, { kind, name: 'shared with another', content: {}, sharing: { mode: 'selective', tenants: [t.listed.id] } });

    const ids = async (q: string) => {
      const res = await http().get(`/v1/resources?kind=${kind}&${q}`).set(readerAdmin).expect(200);
      return { ids: res.body.items.map((r: { id: string }) => r.id), total: res.body.total, page: res.body.page, limit: res.body.limit };
    };
    const newestFirst = [shared, global, ...own.slice().reverse()];
    expect(await ids('scope=all')).toEqual({ ids: newestFirst, total: 5, page: 1, limit: 20 });
    expect(await ids('')).toEqual({ ids: newestFirst, total: 5, page: 1, limit: 20 });
    expect(await ids('scope=own')).toEqual({ ids: own.slice().reverse(), total: 3, page: 1, limit: 20 });
    expect(await ids('scope=shared')).toEqual({ ids: [shared, global], total: 2, page: 1, limit: 20 });
    expect(await ids('limit=2&page=1')).toEqual({ ids: newestFirst.slice(0, 2), total: 5, page: 1, limit: 2 });
    expect(await ids('limit=2&page=2')).toEqual({ ids: newestFirst.slice(2, 4), total: 5, page: 2, limit: 2 });
    expect(await ids('limit=2&page=3')).toEqual({ ids: newestFirst.slice(4), total: 5, page: 3, limit: 2 });
    expect(await ids('limit=2&page=9')).toEqual({ ids: [], total: 5, page: 9, limit: 2 });
    const page = await http().get(`/v1/resources?kind=${kind}`).set(readerAdmin).expect(200);
    const sharedItem = page.body.items.find((r: { id: string }) => r.id === shared);
    expect(sharedItem).toEqual({
      id: shared, ownerTenantId: t.client.id, owned: false, kind, name: 'shared', content: {},
      sharing: { mode: 'selective' }, createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    // GET /v1/tenant/stats counts what is shared with the tenant
    const stats = await http().get('/v1/tenant/stats').set(readerAdmin).expect(200);
    expect(stats.body.resources).toBe(3);
    // the two above, and the global resources earlier tests of this file published
    const visibleOfOthers = await asTenant(reader.id, async (sql) =>
      (await sql.query('SELECT count(*)::int AS n FROM resources WHERE tenant_id <> $1', [reader.id])).rows[0].n);
    expect(stats.body.sharedWithMe).toBe(visibleOfOthers);
    expect(visibleOfOthers).toBe(1 + (await asTenant(reader.id, async (sql) => (await sql.query(
      `SELECT count(*)::int AS n FROM resources WHERE sharing_mode = 'global'`)).rows[0].n)));
  });
  it('every change of a resource writes one audit entry of the owner, in the same transaction', async () => {
    const kind = uniqueKind();
    const r = await create(admin.owner, { kind, name: 'audited', content: {} });
    await http().patch(`/v1/resources/${r.id}`).set(admin.owner).send({ name: 'renamed' }).expect(200);
    await http().put(`/v1/resources/${r.id}/sharing`).set(admin.owner).send({ mode: 'selective', tenants: [t.listed.subdomain] }).expect(200);
    // a refused change (another tenant's write) leaves no entry anywhere
    await http().patch(`/v1/resources/${r.id}`).set(admin.listed).send({ name: 'stolen' }).expect(403);
    await http().delete(`/v1/resources/${r.id}`).set(admin.owner).expect(204);
    const actions = (tenantId: string) =>
      asTenant(tenantId, async (sql) =>
        (await sql.query(`SELECT action FROM audit_logs WHERE target_id = $1 ORDER BY created_at, id`, [r.id])).rows.map((x) => x.action),
      );
    expect(await actions(t.owner.id)).toEqual(['resource.created', 'resource.updated', 'resource.sharing_changed', 'resource.deleted']);
    expect(await actions(t.listed.id)).toEqual([]);
  });

  it("answers the caller's own resource when another tenant's visible one has the same id", async () => {
    const kind = uniqueKind();
    const theirs = await create(admin.owner, { kind, name: 'theirs', content: {}, sharing: { mode: 'global' } });
    // ids are generated, so a collision is only made by hand: the client's own row with that id
    const c = await tenantClient();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('app.current_tenant_id', $1, true)", [await signedTenant(t.client.id)]);
      await c.query(
        `INSERT INTO resources (id, tenant_id, kind, name, content, sharing_mode) VALUES ($1, app.current_tenant_id(), $2, 'mine', '{}', 'private')`,
        [theirs.id, kind],
      );
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
    const mine = await http().get(`/v1/resources/${theirs.id}`).set(admin.client).expect(200);
    expect(mine.body).toMatchObject({ id: theirs.id, ownerTenantId: t.client.id, owned: true, name: 'mine' });
    // and another tenant still sees only the global one
    const other = await http().get(`/v1/resources/${theirs.id}`).set(admin.listed).expect(200);
    expect(other.body).toMatchObject({ ownerTenantId: t.owner.id, owned: false, name: 'theirs' });
  });
});
