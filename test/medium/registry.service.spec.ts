import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NoDatabaseContextError } from '../../src/common/request-context.js';
import { IntegrationNotFoundError, TenantStateConflictError } from '../../src/modules/registry/registry.errors.js';
import { IntegrationsService } from '../../src/modules/registry/integrations.service.js';
import { RegistryService } from '../../src/modules/registry/registry.service.js';
import { createPlatformAdmin } from '../helpers/auth.js';
import { asPlatform, platformCommit } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';
import { createMediumContext, inPlatform, inTenant, platformPrincipal, rejection, tenantPrincipal } from '../helpers/medium.js';

// RegistryService (and the tenant-scope IntegrationsService of the same module) on the suite's
// database, without HTTP (test/helpers/medium.ts).

const tenantRow = (id: string) =>
  asPlatform(async (sql) => (await sql.query(
    'SELECT status, suspended_reason, suspended_at IS NOT NULL AS suspended_at FROM tenants WHERE id = $1', [id])).rows);
const platformAudit = (id: string) =>
  asPlatform(async (sql) => (await sql.query(
    'SELECT actor_id, action, detail FROM platform_audit_logs WHERE target_tenant_id = $1 ORDER BY created_at, action', [id])).rows);
const ownerFlags = (id: string) =>
  asPlatform(async (sql) => (await sql.query('SELECT owner_active FROM resources WHERE tenant_id = $1', [id])).rows);

describe('RegistryService (medium: real database, no HTTP)', () => {
  let ctx: INestApplicationContext;
  let registry: RegistryService;
  let admin: ReturnType<typeof platformPrincipal>;
  const platform = <T>(fn: (r: RegistryService) => Promise<T>) => inPlatform(ctx, admin, () => fn(registry));

  beforeAll(async () => {
    ctx = await createMediumContext();
    registry = ctx.get(RegistryService);
    admin = platformPrincipal((await createPlatformAdmin()).id);
  });
  afterAll(() => ctx.close());

  it('suspends and reactivates a tenant: the row, the owner flag of its resources and one audit entry each', async () => {
    const t = await createTenant({ type: 'platform' });
    await platformCommit((sql) =>
      sql.query(`INSERT INTO resources (tenant_id, kind, name, sharing_mode) VALUES ($1, 'agent', 'r', 'global')`, [t.id]));
    expect(await ownerFlags(t.id)).toEqual([{ owner_active: true }]);

    expect(await platform((r) => r.suspend(t.id, 'unpaid'))).toMatchObject({ id: t.id, status: 'suspended' });
    expect(await tenantRow(t.id)).toEqual([{ status: 'suspended', suspended_reason: 'unpaid', suspended_at: true }]);
    expect(await ownerFlags(t.id)).toEqual([{ owner_active: false }]);
    // suspending again changes nothing and audits nothing
    await platform((r) => r.suspend(t.id));
    expect(await platform((r) => r.reactivate(t.id))).toMatchObject({ id: t.id, status: 'active' });
    expect(await tenantRow(t.id)).toEqual([{ status: 'active', suspended_reason: null, suspended_at: false }]);
    expect(await ownerFlags(t.id)).toEqual([{ owner_active: true }]);
    expect(await platformAudit(t.id)).toEqual([
      { actor_id: admin.subject, action: 'tenant.suspended', detail: { from: 'active', reason: 'unpaid' } },
      { actor_id: admin.subject, action: 'tenant.reactivated', detail: { from: 'suspended' } },
    ]);
  });

  it('rolls back every change of the transaction when a later one is refused', async () => {
    const t = await createTenant();
    const deleted = await createTenant({ status: 'deleted' });
    const err = await rejection(platform(async (r) => {
      await r.suspend(t.id, 'first');
      await r.reactivate(deleted.id); // a deleted tenant must be restored: 409
    }));
    expect(err).toBeInstanceOf(TenantStateConflictError);
    expect(await tenantRow(t.id)).toEqual([{ status: 'active', suspended_reason: null, suspended_at: false }]);
    expect(await platformAudit(t.id)).toEqual([]);
    expect(await tenantRow(deleted.id)).toEqual([{ status: 'deleted', suspended_reason: null, suspended_at: false }]);
  });

  it('refuses lifecycle changes from a tenant context: a tenant cannot suspend or read another', async () => {
    const a = await createTenant();
    const b = await createTenant();
    for (const change of [(r: RegistryService) => r.suspend(b.id), (r: RegistryService) => r.get(b.id), (r: RegistryService) => r.softDelete(b.id)]) {
      expect(await rejection(inTenant(ctx, a.id, tenantPrincipal(a.id, randomUUID()), () => change(registry)))).toBeInstanceOf(NoDatabaseContextError);
    }
    expect(await tenantRow(b.id)).toEqual([{ status: 'active', suspended_reason: null, suspended_at: false }]);
    expect(await platformAudit(b.id)).toEqual([]);
  });

  it("keeps a tenant's integrations invisible and unwritable from another tenant's context", async () => {
    const integrations = ctx.get(IntegrationsService);
    const a = await createTenant();
    const b = await createTenant();
    const inA = <T>(fn: () => Promise<T>) => inTenant(ctx, a.id, tenantPrincipal(a.id, randomUUID()), fn);
    const inB = <T>(fn: () => Promise<T>) => inTenant(ctx, b.id, tenantPrincipal(b.id, randomUUID()), fn);
    await inA(() => integrations.put('stripe', 'stripe', { apiKey: 'secret-a' }));
    expect(await inB(() => integrations.list())).toEqual([]);
    expect(await rejection(inB(() => integrations.get('stripe')))).toBeInstanceOf(IntegrationNotFoundError);
    expect(await rejection(inB(() => integrations.credentials('stripe')))).toBeInstanceOf(IntegrationNotFoundError);
    expect(await rejection(inB(() => integrations.delete('stripe')))).toBeInstanceOf(IntegrationNotFoundError);
    // B's own value under the same name is B's row; A's is untouched
    await inB(() => integrations.put('stripe', 'stripe', { apiKey: 'secret-b' }));
    expect(await asPlatform(async (sql) => (await sql.query(
      'SELECT tenant_id FROM integrations WHERE tenant_id = ANY($1) ORDER BY tenant_id', [[a.id, b.id]])).rows))
      .toEqual([a.id, b.id].sort().map((tenant_id) => ({ tenant_id })));
    expect(await inA(() => integrations.credentials('stripe'))).toEqual({ apiKey: 'secret-a' });
    expect(await inB(() => integrations.credentials('stripe'))).toEqual({ apiKey: 'secret-b' });
  });
});
