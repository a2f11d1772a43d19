import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NoDatabaseContextError } from '../../src/common/request-context.js';
import type { CreateTenantDto } from '../../src/modules/provisioning/dto/create-tenant.dto.js';
import { IdempotencyKeyReusedError } from '../../src/modules/provisioning/provisioning.errors.js';
import { ProvisioningService } from '../../src/modules/provisioning/provisioning.service.js';
import { SubdomainTakenError } from '../../src/modules/tenant/tenant.errors.js';
import { createPlatformAdmin } from '../helpers/auth.js';
import { asPlatform, uniqueSubdomain } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';
import { createMediumContext, inPlatform, inTenant, platformPrincipal, rejection } from '../helpers/medium.js';

// ProvisioningService on the suite's database, without HTTP (test/helpers/medium.ts).

/** Every row provisioning writes for `subdomain`, read as the platform role. */
async function rowsFor(subdomain: string) {
  return asPlatform(async (sql) => {
    const tenants = (await sql.query(
      `SELECT id, status, type, tier, settings FROM tenants WHERE subdomain = $1`, [subdomain])).rows;
    const ids = tenants.map((t) => t.id);
    const users = (await sql.query(`SELECT tenant_id, email, role, status FROM users WHERE tenant_id = ANY($1)`, [ids])).rows;
    const audit = (await sql.query(`SELECT tenant_id, action, target_id FROM audit_logs WHERE tenant_id = ANY($1)`, [ids])).rows;
    const platformAudit = (await sql.query(
      `SELECT action, target_tenant_id, detail->>'subdomain' AS subdomain FROM platform_audit_logs
        WHERE detail->>'subdomain' = $1 OR target_tenant_id = ANY($2)`, [subdomain, ids])).rows;
    return { tenants, users, audit, platformAudit };
  });
}

const idempotencyRows = (key: string) =>
  asPlatform(async (sql) => (await sql.query('SELECT actor_id, status_code FROM idempotency_keys WHERE key = $1', [key])).rows);

describe('ProvisioningService (medium: real database, no HTTP)', () => {
  let ctx: INestApplicationContext;
  let service: ProvisioningService;
  let admin: ReturnType<typeof platformPrincipal>;

  beforeAll(async () => {
    ctx = await createMediumContext();
    service = ctx.get(ProvisioningService);
    admin = platformPrincipal((await createPlatformAdmin()).id);
  });
  afterAll(() => ctx.close());

  const body = (over: Partial<CreateTenantDto> = {}): CreateTenantDto =>
    ({ companyName: 'Medium Co', subdomain: uniqueSubdomain('med'), admin: { email: 'Owner@Medium.test' }, ...over }) as CreateTenantDto;

  it('creates the tenant, its settings, its first admin and both audit entries in one transaction', async () => {
    const b = body({ tier: 'professional' } as Partial<CreateTenantDto>);
    const result = await inPlatform(ctx, admin, () => service.create(b));
    expect(result).toMatchObject({ status: 201, replayed: false });
    const id = result.body.tenant.id;
    expect(result.body.admin).toEqual({ id: expect.any(String), email: 'owner@medium.test', initialPassword: expect.any(String) });
    expect(await rowsFor(b.subdomain)).toEqual({
      tenants: [{ id, status: 'active', type: 'client', tier: 'professional', settings: { locale: 'en-US', timezone: 'UTC', dateFormat: 'YYYY-MM-DD' } }],
      users: [{ tenant_id: id, email: 'owner@medium.test', role: 'admin', status: 'active' }],
      audit: [{ tenant_id: id, action: 'tenant.provisioned', target_id: id }],
      platformAudit: [{ action: 'tenant.provisioned', target_tenant_id: id, subdomain: b.subdomain }],
    });
  });

  it('leaves no row behind when a step after the tenant insert fails (and no idempotency key)', async () => {
    // 'x@' passes the service and breaks users_email_lower (3–254 characters) at the admin step,
    // after the tenant row and its settings were written
    const b = body({ admin: { email: 'x@' } } as Partial<CreateTenantDto>);
    const key = `medium-${randomUUID()}`;
    const err = await rejection(inPlatform(ctx, admin, () => service.create(b, key)));
    expect((err as { code?: string }).code).toBe('23514'); // check_violation
    expect(await rowsFor(b.subdomain)).toEqual({ tenants: [], users: [], audit: [], platformAudit: [] });
    expect(await idempotencyRows(key)).toEqual([]);
  });

  it('replays the stored answer for the same key and body, and refuses the key with another body', async () => {
    const b = body();
    const key = `medium-${randomUUID()}`;
    const first = await inPlatform(ctx, admin, () => service.create(b, key));
    const again = await inPlatform(ctx, admin, () => service.create(b, key));
    expect(again).toEqual({ ...first, replayed: true }); // the generated password included
    expect(first.replayed).toBe(false);
    expect((await rowsFor(b.subdomain)).tenants).toHaveLength(1);
    expect(await idempotencyRows(key)).toEqual([{ actor_id: admin.subject, status_code: 201 }]);

    const other = body();
    expect(await rejection(inPlatform(ctx, admin, () => service.create(other, key)))).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(await rowsFor(other.subdomain)).toEqual({ tenants: [], users: [], audit: [], platformAudit: [] });
    // the key is the admin's own: another admin's same key is a new request
    const otherAdmin = platformPrincipal((await createPlatformAdmin()).id);
    const theirs = await inPlatform(ctx, otherAdmin, () => service.create(other, key));
    expect(theirs.replayed).toBe(false);
    expect((await rowsFor(other.subdomain)).tenants).toEqual([expect.objectContaining({ id: theirs.body.tenant.id })]);
  });

  it('refuses a taken subdomain and keeps no claim of the key', async () => {
    const taken = await createTenant();
    const key = `medium-${randomUUID()}`;
    const err = await rejection(inPlatform(ctx, admin, () => service.create(body({ subdomain: taken.subdomain }), key)));
    expect(err).toBeInstanceOf(SubdomainTakenError);
    expect(await idempotencyRows(key)).toEqual([]);
    expect((await rowsFor(taken.subdomain)).users).toEqual([]);
  });

  it('cannot provision from a tenant context: the tenant role reaches no platform table', async () => {
    const tenant = await createTenant();
    const b = body();
    const err = await rejection(inTenant(ctx, tenant.id, undefined, () => service.create(b)));
    expect(err).toBeInstanceOf(NoDatabaseContextError);
    expect(await rowsFor(b.subdomain)).toEqual({ tenants: [], users: [], audit: [], platformAudit: [] });
  });
});
