import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { requestContext } from '../../common/request-context.js';
import { RateLimitedError } from '../../common/errors.js';
import { AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../observability/metrics.service.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import { isUuid } from '../tenant/subdomain.js';
import { TenantNotFoundError } from '../tenant/tenant.errors.js';
import { TenantResolver, type TenantSources } from '../tenant/tenant-resolver.service.js';
import { TenantService } from '../tenant/tenant.service.js';
import { AuditService } from './audit.service.js';
import { InvalidCredentialsError, InvalidRefreshTokenError } from './auth.errors.js';
import type { TokenResponse } from './dto/token-response.dto.js';
import { LoginGate } from './login-gate.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { PasswordService } from './password.service.js';
import { permissionsFor } from './permissions.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { RefreshTokensRepository, type RefreshTokenRow } from './refresh-tokens.repository.js';
import type { UserEntity } from './entities/user.entity.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

const PLATFORM_PREFIX = 'p.';

/** What a refresh-token check decided; failures are thrown after the transaction commits. */
type RefreshOutcome = { ok: true; tokens: TokenResponse } | { ok: false };

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly tenants: TenantService,
    private readonly resolver: TenantResolver,
    private readonly sessions: DatabaseSessions,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottle,
    private readonly gate: LoginGate,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  /** Tenant login; the tenant is the one the request resolved to (Host or X-Tenant-ID). */
  login(email: string, password: string): Promise<TokenResponse> {
    return this.counted('tenant', this.gate.run(`tenant:${requestContext.get()!.tenantId}`, () => this.checkLogin(email, password)));
  }

  /** Counts a login's outcome in login_total (success, failure, rate_limited). */
  private async counted(scope: 'tenant' | 'platform', attempt: Promise<TokenResponse>): Promise<TokenResponse> {
    try {
      const tokens = await attempt;
      this.metrics.login(scope, 'success');
      return tokens;
    } catch (err) {
      if (err instanceof InvalidCredentialsError) this.metrics.login(scope, 'failure');
      else if (err instanceof RateLimitedError) this.metrics.login(scope, 'rate_limited');
      throw err;
    }
  }

  private async checkLogin(email: string, password: string): Promise<TokenResponse> {
    const state = requestContext.get()!;
    const account = `${state.tenantId}:${email.toLowerCase()}`;
    await this.throttle.check(account, state.ip);
    const user = await this.users.findByEmail(email);
    // Always verify (against a dummy hash for unknown emails) so timing tells nothing.
    const ok = await this.passwords.verify(user?.passwordHash, password);
    if (!user || !ok || user.status !== 'active') {
      await this.throttle.failed(account, state.ip);
      this.audit.recordEvenOnRollback({
        action: 'auth.login_failed',
        actorId: user?.id ?? null,
        targetType: 'user',
        targetId: user?.id,
        detail: { reason: !user ? 'unknown_email' : !ok ? 'wrong_password' : 'user_disabled' },
      });
      throw new InvalidCredentialsError();
    }
    await this.throttle.succeeded(account);
    await this.audit.record({ action: 'auth.login', actorId: user.id, targetType: 'user', targetId: user.id });
    return this.issueTenantTokens(user, randomUUID());
  }

  /** Issues an access token and a new refresh token in `familyId` for a tenant user. */
  async issueTenantTokens(user: UserEntity, familyId: string): Promise<TokenResponse> {
    const tenant = requestContext.get()!;
    const subdomain = (await this.currentTenant())?.subdomain;
    const accessToken = this.tokens.signAccess({
      scope: 'tenant',
      subject: user.id,
      tenantId: user.tenantId,
      subdomain,
      role: user.role,
      sessionId: familyId,
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

  /**
   * Rotates a tenant refresh token: the presented one is used up and a new one of the same
   * family is issued. A token presented after it was used revokes its whole family (someone
   * else holds a copy). The tenant comes from the token's prefix and must agree with Host /
   * X-Tenant-ID when those are sent.
   */
  async refresh(refreshToken: string, sources: Omit<TenantSources, 'tokenTenantId'>): Promise<TokenResponse> {
    const tenant = await this.tenantOfToken(refreshToken, sources);
    if (!tenant) throw new InvalidRefreshTokenError();
    const hash = this.tokens.hashRefreshToken(refreshToken);
    const outcome = await this.sessions.runAsTenant(tenant.id, async (): Promise<RefreshOutcome> => {
      const row = await this.refreshTokens.findByHashForUpdate(hash);
      if (!row) return { ok: false };
      if (row.usedAt) {
        await this.refreshTokens.revokeFamily(row.familyId);
        await this.audit.record({
          action: 'auth.refresh_reuse',
          actorId: row.userId,
          targetType: 'user',
          targetId: row.userId,
          detail: { familyId: row.familyId },
        });
        return { ok: false };
      }
      if (!live(row)) return { ok: false };
      await this.refreshTokens.markUsed(row.id);
      const user = await this.users.findById(row.userId);
      if (!user || user.status !== 'active') {
        await this.refreshTokens.revokeFamily(row.familyId);
        return { ok: false };
      }
      await this.audit.record({ action: 'auth.refresh', actorId: user.id, targetType: 'user', targetId: user.id });
      return { ok: true, tokens: await this.issueTenantTokens(user, row.familyId) };
    });
    // Thrown after the commit, so a revoked family stays revoked.
    if (!outcome.ok) throw new InvalidRefreshTokenError();
    return outcome.tokens;
  }

  /** Revokes the refresh token's family (this device's session). Unknown tokens are ignored. */
  async logout(refreshToken: string, sources: Omit<TenantSources, 'tokenTenantId'>): Promise<void> {
    const tenant = await this.tenantOfToken(refreshToken, sources);
    if (!tenant) return;
    const hash = this.tokens.hashRefreshToken(refreshToken);
    await this.sessions.runAsTenant(tenant.id, async () => {
      const row = await this.refreshTokens.findByHashForUpdate(hash);
      if (!row) return;
      await this.refreshTokens.revokeFamily(row.familyId);
      await this.audit.record({ action: 'auth.logout', actorId: row.userId, targetType: 'user', targetId: row.userId });
    });
  }

  /**
   * The tenant a refresh token names, checked like any tenant source (suspended → 403,
   * disagreeing Host / X-Tenant-ID → 403 tenant_mismatch); undefined when it names no tenant
   * (malformed, or the tenant is gone), which makes the token simply invalid.
   */
  private async tenantOfToken(refreshToken: string, sources: Omit<TenantSources, 'tokenTenantId'>) {
    const id = refreshToken.split('.', 1)[0];
    if (!isUuid(id) || refreshToken.length <= id.length + 1) return undefined;
    try {
      return await this.resolver.resolve({ ...sources, tokenTenantId: id.toLowerCase() });
    } catch (err) {
      // an unknown tenant named by Host / X-Tenant-ID is still answered as such
      if (err instanceof TenantNotFoundError && !(await this.resolver.lookup(id))) return undefined;
      throw err;
    }
  }

  /** The current request's tenant, or null when its row is not visible. */
  private async currentTenant() {
    try {
      return await this.tenants.current();
    } catch (err) {
      if (err instanceof TenantNotFoundError) return null;
      throw err;
    }
  }

  async me() {
    const { principal } = requestContext.get()!;
    const user = await this.users.findById(principal!.subject);
    const tenant = await this.currentTenant();
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
  platformLogin(email: string, password: string): Promise<TokenResponse> {
    return this.counted('platform', this.gate.run('platform', () => this.checkPlatformLogin(email, password)));
  }

  private async checkPlatformLogin(email: string, password: string): Promise<TokenResponse> {
    const state = requestContext.get();
    const account = `platform:${email.toLowerCase()}`;
    await this.throttle.check(account, state?.ip);
    const admin = await this.admins.findByEmail(email);
    const ok = await this.passwords.verify(admin?.passwordHash, password);
    if (!admin || !ok || admin.status !== 'active') {
      await this.throttle.failed(account, state?.ip);
      await this.audit.recordPlatform({
        action: 'platform.login_failed',
        actorId: admin?.id ?? null,
        targetType: 'platform_admin',
        targetId: admin?.id,
        detail: { reason: !admin ? 'unknown_email' : !ok ? 'wrong_password' : 'admin_disabled' },
      });
      throw new InvalidCredentialsError();
    }
    await this.throttle.succeeded(account);
    await this.audit.recordPlatform({ action: 'platform.login', actorId: admin.id, targetType: 'platform_admin', targetId: admin.id });
    return this.issuePlatformTokens(admin, randomUUID());
  }

  /** Platform refresh: the same rotation and reuse rules as tenant refresh tokens. */
  async platformRefresh(refreshToken: string): Promise<TokenResponse> {
    if (!refreshToken.startsWith(PLATFORM_PREFIX)) throw new InvalidRefreshTokenError();
    const hash = this.tokens.hashRefreshToken(refreshToken);
    let reuse: RefreshTokenRow | undefined;
    const outcome = await this.sessions.runAsPlatform('refresh', async (): Promise<RefreshOutcome> => {
      const row = await this.admins.findRefreshTokenForUpdate(hash);
      if (!row) return { ok: false };
      if (row.usedAt) {
        await this.admins.revokeRefreshFamily(row.familyId);
        reuse = row;
        return { ok: false };
      }
      if (!live(row)) return { ok: false };
      await this.admins.markRefreshTokenUsed(row.id);
      const admin = await this.admins.findById(row.userId);
      if (!admin || admin.status !== 'active') {
        await this.admins.revokeRefreshFamily(row.familyId);
        return { ok: false };
      }
      return { ok: true, tokens: await this.issuePlatformTokens(admin, row.familyId) };
    });
    if (reuse) {
      await this.audit.recordPlatform({
        action: 'platform.refresh_reuse',
        actorId: reuse.userId,
        targetType: 'platform_admin',
        targetId: reuse.userId,
        detail: { familyId: reuse.familyId },
      });
    }
    if (!outcome.ok) throw new InvalidRefreshTokenError();
    return outcome.tokens;
  }

  async platformLogout(refreshToken: string): Promise<void> {
    const hash = this.tokens.hashRefreshToken(refreshToken);
    await this.sessions.runAsPlatform('logout', async () => {
      const row = await this.admins.findRefreshTokenForUpdate(hash);
      if (row) await this.admins.revokeRefreshFamily(row.familyId);
    });
  }

  /** Needs a platform transaction (the login route's, or one opened by refresh). The token carries the admin's role. */
  private async issuePlatformTokens(admin: { id: string; role: string }, familyId: string): Promise<TokenResponse> {
    const adminId = admin.id;
    const accessToken = this.tokens.signAccess({ scope: 'platform', subject: adminId, role: admin.role, sessionId: familyId });
    const refresh = this.tokens.newRefreshToken(PLATFORM_PREFIX);
    await this.admins.insertRefreshToken({
      adminId,
      familyId,
      hash: refresh.hash,
      expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
    });
    return { accessToken, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: this.tokens.accessTtlSeconds };
  }
}

function live(row: RefreshTokenRow): boolean {
  return !row.revokedAt && new Date(row.expiresAt).getTime() > Date.now();
}
