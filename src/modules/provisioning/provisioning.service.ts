import { Injectable, type OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ValidationFailedError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { AuditService } from '../auth/audit.service.js';
import { PasswordService } from '../auth/password.service.js';
import { UsersService } from '../auth/users.service.js';
import { MetricsService } from '../../observability/metrics.service.js';
import { CredentialCipher } from '../registry/credential-cipher.js';
import { PurgeService } from '../registry/purge.service.js';
import { TenantRecordNotFoundError, TenantStateConflictError } from '../registry/registry.errors.js';
import type { TenantView } from '../tenant/tenant.service.js';
import { TenantService } from '../tenant/tenant.service.js';
import type { CreateTenantDto } from './dto/create-tenant.dto.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { IdempotencyKeyReusedError, InvalidIdempotencyKeyError } from './provisioning.errors.js';

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
export class ProvisioningService implements OnModuleInit {
  constructor(
    private readonly tenants: TenantService,
    private readonly idempotency: IdempotencyRepository,
    private readonly passwords: PasswordService,
    private readonly users: UsersService,
    private readonly cipher: CredentialCipher,
    private readonly audit: AuditService,
    private readonly purge: PurgeService,
    private readonly metrics: MetricsService,
  ) {}

  /** Expired idempotency keys go after each purge run (the registry's "purge run finished"). */
  onModuleInit(): void {
    this.purge.onRunFinished(() => this.idempotency.deleteExpired());
  }

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
      if (stored.requestHash !== hash) throw new IdempotencyKeyReusedError();
      const answer = this.cipher.openBytes(stored.response, stored.keyVersion, aad);
      return { status: stored.statusCode, body: JSON.parse(answer.toString('utf8')), replayed: true };
    }
    const result = await this.provision(body);
    // The answer can hold the generated password, so it is stored sealed.
    const sealed = this.cipher.sealToBytes(JSON.stringify(result), aad);
    await this.idempotency.complete(actor, CREATE_ROUTE, idempotencyKey, 201, sealed.bytes, sealed.keyVersion);
    return { status: 201, body: result, replayed: false };
  }

  private async provision(body: CreateTenantDto): Promise<ProvisionedTenant> {
    const created = await this.tenants.create({
      subdomain: body.subdomain,
      companyName: body.companyName,
      type: body.type ?? 'client',
      tier: body.tier ?? 'free',
    });
    await this.tenants.ensureDefaultSettings(created.id, DEFAULT_TENANT_SETTINGS);
    const initialPassword = body.admin.password ? undefined : randomBytes(18).toString('base64url');
    const hash = await this.passwords.hash(body.admin.password ?? initialPassword!);
    const admin = await this.users.createFirstAdmin(created.id, body.admin.email, hash);
    // announces the tenant ("tenant changed"): a miss for its subdomain may sit in some instance's cache
    const tenant = (await this.tenants.activate(created.id))!;
    await this.audit.recordForTenant(tenant.id, {
      action: 'tenant.provisioned', actorId: null, targetType: 'tenant', targetId: tenant.id, detail: { adminId: admin.id },
    });
    await this.audit.recordPlatformChange({
      action: 'tenant.provisioned', targetType: 'tenant', targetId: tenant.id, targetTenantId: tenant.id,
      detail: { subdomain: tenant.subdomain, type: tenant.type, tier: tenant.tier, adminId: admin.id },
    });
    return { tenant, admin: { id: admin.id, email: admin.email, ...(initialPassword ? { initialPassword } : {}) } };
  }

  /** Re-runs every step; each repairs what is missing and leaves what is in place. */
  async reprovision(id: string): Promise<{ steps: StepResult[] }> {
    const tenant = await this.tenants.findById(id, { lock: true });
    if (!tenant) throw new TenantRecordNotFoundError();
    if (tenant.status === 'deleted') throw new TenantStateConflictError('A deleted tenant cannot be provisioned; restore it first.');
    const steps: StepResult[] = [{ name: 'tenant_record', status: 'ok' }];
    const settingsRepaired = await this.tenants.ensureDefaultSettings(id, DEFAULT_TENANT_SETTINGS);
    steps.push({ name: 'default_settings', status: settingsRepaired ? 'repaired' : 'ok' });
    // Without the original email (never kept) a lost admin cannot be re-created automatically.
    const admin = await this.users.findFirstAdmin(id);
    steps.push({ name: 'admin_user', status: admin ? 'ok' : 'missing' });
    const activated = await this.tenants.activate(id); // announced when it changed
    steps.push({ name: 'activation', status: activated ? 'repaired' : 'ok' });
    await this.audit.recordPlatformChange({
      action: 'tenant.reprovisioned', targetType: 'tenant', targetId: id, targetTenantId: id,
      detail: { steps: Object.fromEntries(steps.map((s) => [s.name, s.status])) },
    });
    return { steps };
  }
}
