import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ValidationFailedError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { AuditService } from '../auth/audit.service.js';
import { PasswordService } from '../auth/password.service.js';
import { UsersService } from '../auth/users.service.js';
import { CredentialCipher } from '../registry/credential-cipher.js';
import { TenantRecordNotFoundError, TenantStateConflictError } from '../registry/registry.errors.js';
import { RegistryRepository } from '../registry/registry.repository.js';
import { TenantEvents } from '../registry/tenant-events.js';
import type { TenantView } from '../tenant/tenant.repository.js';
import type { CreateTenantDto } from './dto/create-tenant.dto.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyKeyReusedError, InvalidIdempotencyKeyError } from './provisioning.errors.js';
import { ProvisioningRepository } from './provisioning.repository.js';
import { MetricsService } from '../../observability/metrics.service.js';

/** Settings every tenant starts with; `POST …/provision` puts back any that went missing. */
export const DEFAULT_TENANT_SETTINGS: Readonly<Record<string, unknown>> = {
  locale: 'en-US',
  timezone: 'UTC',
  dateFormat: 'YYYY-MM-DD',
};

export interface ProvisionedTenant {
  tenant: TenantView;
  admin: { id: string; email: string; initialPassword?: string };
}

export interface StepResult {
  name: 'tenant_record' | 'default_settings' | 'admin_user' | 'activation';
  /** ok: already in place; repaired: was missing and is now in place; missing: needs a person */
  status: 'ok' | 'repaired' | 'missing';
}

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
const CREATE_ROUTE = 'POST /v1/admin/tenants';

/** Stable JSON (sorted keys), so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/**
 * Creates a tenant with its default settings, first admin user and audit entries in the
 * request's one platform transaction: everything commits together or nothing does.
 */
@Injectable()
export class ProvisioningService {
  constructor(
    private readonly repository: ProvisioningRepository,
    private readonly registry: RegistryRepository,
    private readonly idempotency: IdempotencyRepository,
    private readonly passwords: PasswordService,
    private readonly users: UsersService,
    private readonly tenantAudit: AuditService,
    private readonly cipher: CredentialCipher,
    private readonly audit: AuditService,
    private readonly events: TenantEvents,
    private readonly metrics: MetricsService,
  ) {}

  /** `replayed` answers come from the stored first result of the same Idempotency-Key. */
  async create(body: CreateTenantDto, idempotencyKey?: string): Promise<{ status: number; body: ProvisionedTenant; replayed: boolean }> {
    try {
      const result = await this.createOnce(body, idempotencyKey);
      if (!result.replayed) this.metrics.provisioned('success'); // provisioning_total
      return result;
    } catch (err) {
      this.metrics.provisioned('failure');
      throw err;
    }
  }

  private async createOnce(body: CreateTenantDto, idempotencyKey?: string): Promise<{ status: number; body: ProvisionedTenant; replayed: boolean }> {
    // the password policy of /v1/users (length is the DTO's): not the email address
    if (body.admin.password !== undefined && body.admin.password.trim().toLowerCase() === body.admin.email.trim().toLowerCase()) {
      throw new ValidationFailedError([{ field: 'admin.password', message: 'password must not be the email address' }]);
    }
    if (idempotencyKey === undefined) return { status: 201, body: await this.provision(body), replayed: false };
    if (!KEY_FORMAT.test(idempotencyKey)) throw new InvalidIdempotencyKeyError();
    const actor = requestContext.get()?.principal?.subject ?? 'anonymous';
    const hash = createHash('sha256').update(canonical(body)).digest('hex');
    const aad = `idempotency:v1:${actor}:${CREATE_ROUTE}:${idempotencyKey}`;
    const stored = await this.idempotency.claim(actor, CREATE_ROUTE, idempotencyKey, hash);
    if (stored) {
      if (stored.request_hash !== hash) throw new IdempotencyKeyReusedError();
      const answer = this.cipher.openBytes(stored.response, stored.key_version, aad);
      return { status: stored.status_code, body: JSON.parse(answer.toString('utf8')), replayed: true };
    }
    const result = await this.provision(body);
    // The answer can hold the generated password, so it is stored sealed.
    const sealed = this.cipher.sealToBytes(JSON.stringify(result), aad);
    await this.idempotency.complete(actor, CREATE_ROUTE, idempotencyKey, 201, sealed.bytes, sealed.keyVersion);
    return { status: 201, body: result, replayed: false };
  }

  private async provision(body: CreateTenantDto): Promise<ProvisionedTenant> {
    const created = await this.repository.insertTenant({
      subdomain: body.subdomain,
      companyName: body.companyName,
      type: body.type ?? 'client',
      tier: body.tier ?? 'free',
    });
    await this.repository.ensureDefaultSettings(created.id, DEFAULT_TENANT_SETTINGS);
    const initialPassword = body.admin.password ? undefined : randomBytes(18).toString('base64url');
    const hash = await this.passwords.hash(body.admin.password ?? initialPassword!);
    const admin = await this.users.createFirstAdmin(created.id, body.admin.email, hash);
    const tenant = (await this.repository.activate(created.id))!;
    await this.tenantAudit.recordForTenant(tenant.id, {
      action: 'tenant.provisioned', actorId: null, targetType: 'tenant', targetId: tenant.id, detail: { adminId: admin.id },
    });
    await this.audit.recordPlatformChange({
      action: 'tenant.provisioned', targetType: 'tenant', targetId: tenant.id, targetTenantId: tenant.id,
      detail: { subdomain: tenant.subdomain, type: tenant.type, tier: tenant.tier, adminId: admin.id },
    });
    // A miss for this subdomain may sit in some instance's cache: announce the new tenant.
    await this.events.changed(tenant.id, tenant.subdomain);
    return { tenant, admin: { id: admin.id, email: admin.email, ...(initialPassword ? { initialPassword } : {}) } };
  }

  /** Re-runs every step; each repairs what is missing and leaves what is in place. */
  async reprovision(id: string): Promise<{ steps: StepResult[] }> {
    const tenant = await this.registry.findById(id, true);
    if (!tenant) throw new TenantRecordNotFoundError();
    if (tenant.status === 'deleted') throw new TenantStateConflictError('A deleted tenant cannot be provisioned; restore it first.');
    const steps: StepResult[] = [{ name: 'tenant_record', status: 'ok' }];
    const settingsRepaired = await this.repository.ensureDefaultSettings(id, DEFAULT_TENANT_SETTINGS);
    steps.push({ name: 'default_settings', status: settingsRepaired ? 'repaired' : 'ok' });
    // Without the original email (never kept) a lost admin cannot be re-created automatically.
    const admin = await this.users.findFirstAdmin(id);
    steps.push({ name: 'admin_user', status: admin ? 'ok' : 'missing' });
    const activated = await this.repository.activate(id);
    steps.push({ name: 'activation', status: activated ? 'repaired' : 'ok' });
    await this.audit.recordPlatformChange({
      action: 'tenant.reprovisioned', targetType: 'tenant', targetId: id, targetTenantId: id,
      detail: { steps: Object.fromEntries(steps.map((s) => [s.name, s.status])) },
    });
    if (activated) await this.events.changed(id, tenant.subdomain);
    return { steps };
  }
}
