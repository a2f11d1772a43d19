import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '../../src/common/principal.js';
import type { CreateResourceDto, ListResourcesQuery } from '../../src/modules/sharing/dto/resource.dto.js';
import { GlobalPublishForbiddenError, ResourceNotFoundError } from '../../src/modules/sharing/sharing.errors.js';
import { SharingRepository } from '../../src/modules/sharing/sharing.repository.js';
import { SharingService } from '../../src/modules/sharing/sharing.service.js';
import { asTenant } from '../helpers/db.js';
import { createTenant, setTenantStatus, type TestTenant } from '../helpers/factories.js';
import { createMediumContext, inTenant, rejection, tenantPrincipal } from '../helpers/medium.js';

// SharingService on the suite's database, without HTTP (test/helpers/medium.ts). Every tenant
// acts as an admin (resources:share).

/**
 * The rows of a resource, read as its owner tenant on the tenant role (the platform role sees no
 * private resource, migration 0031).
 */
const rowsOf = (owner: TestTenant, id: string) =>
  asTenant(owner.id, async (sql) => ({
    resources: (await sql.query('SELECT tenant_id, name, sharing_mode, owner_active FROM resources WHERE id = $1', [id])).rows,
    shares: (await sql.query('SELECT tenant_id, grantee_tenant_id FROM resource_shares WHERE resource_id = $1', [id])).rows,
    audit: (await sql.query(`SELECT tenant_id, action FROM audit_logs WHERE target_id = $1 ORDER BY created_at`, [id])).rows,
  }));

describe('SharingService (medium: real database, no HTTP)', () => {
  let ctx: INestApplicationContext;
  let service: SharingService;
  const t = {} as Record<'owner' | 'listed' | 'unlisted' | 'client', TestTenant>;
  const as = {} as Record<keyof typeof t, Principal>;

  const run = <T>(who: keyof typeof t, fn: (s: SharingService) => Promise<T>) => inTenant(ctx, t[who].id, as[who], () => fn(service));
  const kind = () => `k${randomBytes(5).toString('hex')}`;
  const create = (who: keyof typeof t, body: Partial<CreateResourceDto>) =>
    run(who, (s) => s.create({ kind: kind(), name: 'r', content: { v: 1 }, ...body } as CreateResourceDto));
  const ids = async (who: keyof typeof t, q: Partial<ListResourcesQuery> = {}) =>
    (await run(who, (s) => s.list({ limit: 100, ...q } as ListResourcesQuery))).items.map((r) => r.id).sort();

  beforeAll(async () => {
    ctx = await createMediumContext();
    service = ctx.get(SharingService);
    t.owner = await createTenant({ type: 'platform' });
    t.listed = await createTenant();
    t.unlisted = await createTenant();
    t.client = await createTenant();
    for (const k of Object.keys(t) as Array<keyof typeof t>) as[k] = tenantPrincipal(t[k].id, randomUUID());
  });
  afterAll(() => ctx.close());

  it('creates a selectively shared resource: the row, one share, one audit entry; the grantee sees it', async () => {
    const r = await create('owner', { sharing: { mode: 'selective', tenants: [t.listed.subdomain, t.owner.id] } });
    expect(r).toMatchObject({ ownerTenantId: t.owner.id, owned: true, sharing: { mode: 'selective', tenants: [t.listed.id] } });
    expect(await rowsOf(t.owner, r.id)).toEqual({
      resources: [{ tenant_id: t.owner.id, name: 'r', sharing_mode: 'selective', owner_active: true }],
      shares: [{ tenant_id: t.owner.id, grantee_tenant_id: t.listed.id }], // sharing with itself is dropped
      audit: [{ tenant_id: t.owner.id, action: 'resource.created' }],
    });
    expect(await run('listed', (s) => s.get(r.id))).toMatchObject({ id: r.id, owned: false, sharing: { mode: 'selective' } });
    expect(await ids('listed')).toEqual([r.id]);
    expect(await ids('unlisted')).toEqual([]);
  });

  it('rolls back every write of the transaction when a later step fails', async () => {
    let id = '';
    const err = await rejection(run('owner', async (s) => {
      id = (await s.create({ kind: kind(), name: 'r', content: {}, sharing: { mode: 'selective', tenants: [t.listed.id] } } as CreateResourceDto)).id;
      await s.update(id, { name: 'x'.repeat(201) }); // resources_name_length
    }));
    expect((err as { code?: string }).code).toBe('23514');
    expect(await rowsOf(t.owner, id)).toEqual({ resources: [], shares: [], audit: [] });
  });

  it("another tenant can neither see nor change nor delete a tenant's private resource", async () => {
    const r = await create('owner', {});
    for (const who of ['listed', 'client'] as const) {
      expect(await rejection(run(who, (s) => s.get(r.id)))).toBeInstanceOf(ResourceNotFoundError);
      expect(await rejection(run(who, (s) => s.update(r.id, { name: 'taken' })))).toBeInstanceOf(ResourceNotFoundError);
      expect(await rejection(run(who, (s) => s.delete(r.id)))).toBeInstanceOf(ResourceNotFoundError);
      expect(await rejection(run(who, (s) => s.setSharing(r.id, { mode: 'global' })))).toBeInstanceOf(ResourceNotFoundError);
    }
    expect(await rowsOf(t.owner, r.id)).toEqual({
      resources: [{ tenant_id: t.owner.id, name: 'r', sharing_mode: 'private', owner_active: true }],
      shares: [],
      audit: [{ tenant_id: t.owner.id, action: 'resource.created' }],
    });
  });

  it('refuses a global publish from a tenant that is not of type platform, and writes nothing', async () => {
    const k = kind();
    expect(await rejection(run('client', (s) => s.create({ kind: k, name: 'g', content: {}, sharing: { mode: 'global' } } as CreateResourceDto))))
      .toBeInstanceOf(GlobalPublishForbiddenError);
    const own = await create('client', {});
    expect(await rejection(run('client', (s) => s.setSharing(own.id, { mode: 'global' })))).toBeInstanceOf(GlobalPublishForbiddenError);
    expect(await asTenant(t.client.id, async (sql) => (await sql.query(
      `SELECT kind, sharing_mode FROM resources WHERE tenant_id = $1 ORDER BY created_at`, [t.client.id])).rows))
      .toEqual([{ kind: expect.any(String), sharing_mode: 'private' }]);
    expect(await ids('listed', { kind: k })).toEqual([]);
  });

  it('the database refuses the global row even past the service check (the repository called directly)', async () => {
    const repo = ctx.get(SharingRepository);
    const err = await rejection(run('client', () => repo.insert({ kind: kind(), name: 'g', content: {}, mode: 'global' })));
    expect((err as { code?: string }).code).toBe('42501'); // new row violates row-level security policy
    const own = await create('client', {});
    const moved = await rejection(run('client', () => repo.setMode(own.id, 'global')));
    expect((moved as { code?: string }).code).toBe('42501');
    expect((await rowsOf(t.client, own.id)).resources).toEqual([{ tenant_id: t.client.id, name: 'r', sharing_mode: 'private', owner_active: true }]);
  });

  it("hides a suspended owner's global and shared resources from every other tenant, and shows them again on reactivation", async () => {
    const k = kind();
    const global = await create('owner', { kind: k, sharing: { mode: 'global' } });
    const shared = await create('owner', { kind: k, sharing: { mode: 'selective', tenants: [t.listed.id] } });
    expect(await ids('listed', { kind: k })).toEqual([global.id, shared.id].sort());
    expect(await ids('unlisted', { kind: k })).toEqual([global.id]);
    await setTenantStatus(t.owner.id, 'suspended');
    try {
      expect(await ids('listed', { kind: k })).toEqual([]);
      expect(await ids('unlisted', { kind: k })).toEqual([]);
      for (const id of [global.id, shared.id]) {
        expect(await rejection(run('listed', (s) => s.get(id)))).toBeInstanceOf(ResourceNotFoundError);
      }
    } finally {
      await setTenantStatus(t.owner.id, 'active');
    }
    expect(await ids('listed', { kind: k })).toEqual([global.id, shared.id].sort());
  });
});
