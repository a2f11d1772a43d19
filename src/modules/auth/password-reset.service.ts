import { Injectable } from '@nestjs/common';
import { AuditService } from './audit.service.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { UsersRepository } from './users.repository.js';

/**
 * An operator's password reset (`npm run users:reset-password`): the new hash, every refresh
 * token of the account revoked, and the audit entry, in the caller's transaction (a tenant one
 * for a user, a platform one for a platform admin). Returns the revoked token count, or
 * undefined when no account has that email.
 */
@Injectable()
export class PasswordResetService {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly audit: AuditService,
  ) {}

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
