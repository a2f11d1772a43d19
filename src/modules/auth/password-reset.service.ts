import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { AuditService } from './audit.service.js';
import { InvalidResetTokenError } from './auth.errors.js';
import { checkPasswordPolicy } from './password-policy.js';
import { PasswordResetsRepository } from './password-resets.repository.js';
import { PasswordService } from './password.service.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

/** The answer of a reset route: the only place the token is ever shown. */
export interface ResetToken {
  resetToken: string;
  expiresAt: string;
}

/**
 * Password resets, each in the caller's transaction:
 * - an operator's (`npm run users:reset-password`): the new hash at once;
 * - a tenant admin's (POST /v1/users/:id/password-reset) or a platform admin's
 *   (POST /v1/admin/tenants/:id/users/:userId/password-reset): a single-use token, valid 15
 *   minutes, stored as its SHA-256, redeemed by POST /v1/auth/password-reset with a new password.
 * Setting the password revokes every refresh token of the account; each step is audited, never
 * with the password or the token.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly resets: PasswordResetsRepository,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {}

  /** A reset token for a user of the current tenant (tenant admin); 404 for anyone else's user. */
  async issueForUser(userId: string): Promise<ResetToken> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('The user does not exist.');
    const { token, hash } = this.tokens.newRefreshToken();
    const { expiresAt } = await this.resets.insert(user.id, hash);
    await this.audit.record({
      action: 'user.password_reset_issued',
      targetType: 'user',
      targetId: user.id,
      detail: { email: user.email, by: 'tenant_admin', expiresAt: expiresAt.toISOString() },
    });
    return { resetToken: token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * A reset token for a user of tenant `tenantId` (platform admin, platform scope), in both
   * trails: the tenant's, so its admins see that the platform acted, and the platform's.
   */
  async issueForTenantUser(tenantId: string, userId: string): Promise<ResetToken> {
    const user = await this.users.findInTenant(tenantId, userId);
    if (!user) throw new NotFoundError('The tenant or the user does not exist.');
    const { token, hash } = this.tokens.newRefreshToken();
    const { expiresAt } = await this.resets.insertForTenant(tenantId, user.id, hash);
    const platformAdminId = requestContext.get()?.principal?.subject;
    const detail = { email: user.email, role: user.role, expiresAt: expiresAt.toISOString() };
    await this.audit.recordForTenant(tenantId, {
      action: 'user.password_reset_issued',
      actorId: null,
      targetType: 'user',
      targetId: user.id,
      detail: { ...detail, by: 'platform_admin', platformAdminId },
    });
    await this.audit.recordPlatformChange({
      action: 'tenant_user.password_reset_issued',
      targetType: 'user',
      targetId: user.id,
      targetTenantId: tenantId,
      detail,
    });
    return { resetToken: token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * Sets a new password with a reset token of the current tenant (the request's tenant, from
   * Host, X-Tenant-ID or the cookie): once, before it expires. Every session of the user ends.
   * An unknown, used or expired token is one answer (400 invalid_reset_token).
   */
  async redeem(resetToken: string, newPassword: string): Promise<void> {
    const row = await this.resets.findByHashForUpdate(this.tokens.hashRefreshToken(resetToken));
    if (!row || row.usedAt || row.expired) {
      if (row) {
        this.audit.recordEvenOnRollback({
          action: 'user.password_reset_refused',
          actorId: null,
          targetType: 'user',
          targetId: row.userId,
          detail: { reason: row.usedAt ? 'used' : 'expired' },
        });
      }
      throw new InvalidResetTokenError();
    }
    // the row's user exists: its tokens go with it (ON DELETE CASCADE)
    const user = (await this.users.findById(row.userId))!;
    checkPasswordPolicy(user.email, newPassword, 'newPassword');
    await this.resets.markUsed(row.id);
    await this.users.setPasswordById(user.id, await this.passwords.hash(newPassword));
    const count = await this.refreshTokens.revokeAllOfUser(user.id);
    await this.audit.record({
      action: 'user.password_reset',
      actorId: user.id,
      targetType: 'user',
      targetId: user.id,
      detail: { via: 'reset_token', revokedRefreshTokens: count },
    });
  }

  async resetUser(email: string, passwordHash: string): Promise<number | undefined> {
    const userId = await this.users.setPassword(email, passwordHash);
    if (!userId) return undefined;
    const count = await this.refreshTokens.revokeAllOfUser(userId);
    await this.audit.record({
      action: 'user.password_reset',
      targetType: 'user',
      targetId: userId,
      actorId: null,
      detail: { email, via: 'cli', revokedRefreshTokens: count },
    });
    return count;
  }

  async resetPlatformAdmin(email: string, passwordHash: string): Promise<number | undefined> {
    const adminId = await this.admins.setPassword(email, passwordHash);
    if (!adminId) return undefined;
    const count = await this.admins.revokeAllRefreshTokens(adminId);
    await this.audit.recordPlatform({
      action: 'platform_admin.password_reset',
      targetType: 'platform_admin',
      targetId: adminId,
      actorId: null,
      detail: { email, via: 'cli', revokedRefreshTokens: count },
    });
    return count;
  }
}
