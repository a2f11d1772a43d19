import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { requestContext } from '../../common/request-context.js';
import { AppConfig } from '../../config/app-config.js';
import { TenantRepository } from '../tenant/tenant.repository.js';
import { AuditService } from './audit.service.js';
import { InvalidCredentialsError } from './auth.errors.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { PasswordService } from './password.service.js';
import { permissionsFor } from './permissions.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { TokenService } from './token.service.js';
import { UsersRepository, type UserRow } from './users.repository.js';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly tenants: TenantRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Tenant login; the tenant is the one the request resolved to (Host or X-Tenant-ID). */
  async login(email: string, password: string): Promise<TokenResponse> {
    const state = requestContext.get()!;
    const user = await this.users.findByEmail(email);
    // Always verify (against a dummy hash for unknown emails) so timing tells nothing.
    const ok = await this.passwords.verify(user?.password_hash, password);
    if (!user || !ok || user.status !== 'active') {
      await this.audit.recordDetached(state.tenantId!, {
        action: 'auth.login_failed',
        actorId: user?.id ?? null,
        targetType: 'user',
        targetId: user?.id,
        detail: { reason: !user ? 'unknown_email' : !ok ? 'wrong_password' : 'user_disabled' },
      });
      throw new InvalidCredentialsError();
    }
    await this.audit.record({ action: 'auth.login', actorId: user.id, targetType: 'user', targetId: user.id });
    return this.issueTenantTokens(user, randomUUID());
  }

  /** Issues an access token and a new refresh token in `familyId` for a tenant user. */
  async issueTenantTokens(user: UserRow, familyId: string): Promise<TokenResponse> {
    const tenant = requestContext.get()!;
    const subdomain = (await this.tenants.findCurrent())?.subdomain;
    const accessToken = this.tokens.signAccess({
      scope: 'tenant',
      subject: user.id,
      tenantId: user.tenant_id,
      subdomain,
      role: user.role,
    });
    // The tenant id prefix lets /v1/auth/refresh find the tenant; the hash covers it, so a
    // token moved to another tenant's prefix matches nothing.
    const refresh = this.tokens.newRefreshToken(`${tenant.tenantId}.`);
    await this.refreshTokens.insert({
      userId: user.id,
      familyId,
      hash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
    });
    return { accessToken, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: this.tokens.accessTtlSeconds };
  }

  async me() {
    const { principal } = requestContext.get()!;
    const user = await this.users.findById(principal!.subject);
    const tenant = await this.tenants.findCurrent();
    if (!user || !tenant) throw new InvalidCredentialsError();
    return {
      user: { id: user.id, email: user.email, role: user.role },
      tenant: {
        id: tenant.id,
        subdomain: tenant.subdomain,
        companyName: tenant.companyName,
        type: tenant.type,
        tier: tenant.tier,
      },
      permissions: [...permissionsFor(user.role)],
    };
  }

  /** Platform admin login. */
  async platformLogin(email: string, password: string): Promise<TokenResponse> {
    const admin = await this.admins.findByEmail(email);
    const ok = await this.passwords.verify(admin?.password_hash, password);
    if (!admin || !ok || admin.status !== 'active') throw new InvalidCredentialsError();
    const accessToken = this.tokens.signAccess({ scope: 'platform', subject: admin.id, role: 'platform_admin' });
    const refresh = this.tokens.newRefreshToken('p.');
    await this.admins.insertRefreshToken({
      adminId: admin.id,
      familyId: randomUUID(),
      hash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
    });
    return { accessToken, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: this.tokens.accessTtlSeconds };
  }
}
