import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { AuditService } from './audit.service.js';
import { InvalidCurrentPasswordError } from './auth.errors.js';
import { LoginThrottle } from './login-throttle.service.js';
import { checkPasswordPolicy } from './password-policy.js';
import { PasswordService } from './password.service.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { UsersRepository } from './users.repository.js';

/**
 * Changing one's own password (POST /v1/auth/password, POST /v1/platform/auth/password), in the
 * request's transaction. The current password must be given: a wrong one is 400
 * invalid_current_password and counts as a failed login of the account (the same lock-out, so a
 * stolen access token cannot be used to guess it). Every other session ends: the account's
 * refresh tokens are revoked except the family of the calling access token (`sid`).
 */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly passwords: PasswordService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
  ) {}

  /** The calling tenant user's password. */
  async changeOwn(currentPassword: string, newPassword: string): Promise<void> {
    const { principal, tenantId, ip } = requestContext.get()!;
    const user = await this.users.findById(principal!.subject);
    if (!user) throw new UnauthorizedError('The access token is no longer valid; log in again.');
    checkPasswordPolicy(user.email, newPassword, 'newPassword');
    const account = `${tenantId}:${user.email}`;
    await this.throttle.check(account, ip);
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.throttle.failed(account, ip);
      this.audit.recordEvenOnRollback({ action: 'user.password_change_failed', targetType: 'user', targetId: user.id });
      throw new InvalidCurrentPasswordError();
    }
    await this.throttle.succeeded(account);
    await this.users.setPasswordById(user.id, await this.passwords.hash(newPassword));
    const revoked = await this.refreshTokens.revokeAllOfUserExcept(user.id, principal!.sessionId);
    await this.audit.record({
      action: 'user.password_changed',
      targetType: 'user',
      targetId: user.id,
      detail: { revokedRefreshTokens: revoked, keptCurrentSession: principal!.sessionId !== undefined },
    });
  }

  /** The calling platform admin's password. */
  async changeOwnPlatform(currentPassword: string, newPassword: string): Promise<void> {
    const { principal, ip } = requestContext.get()!;
    const admin = await this.admins.findWithHash(principal!.subject);
    if (!admin) throw new UnauthorizedError('The access token is no longer valid; log in again.');
    checkPasswordPolicy(admin.email, newPassword, 'newPassword');
    const account = `platform:${admin.email}`;
    await this.throttle.check(account, ip);
    if (!(await this.passwords.verify(admin.passwordHash, currentPassword))) {
      await this.throttle.failed(account, ip);
      await this.audit.recordPlatform({
        action: 'platform_admin.password_change_failed',
        actorId: admin.id,
        targetType: 'platform_admin',
        targetId: admin.id,
      });
      throw new InvalidCurrentPasswordError();
    }
    await this.throttle.succeeded(account);
    await this.admins.setPasswordById(admin.id, await this.passwords.hash(newPassword));
    const revoked = await this.admins.revokeRefreshTokensExcept(admin.id, principal!.sessionId);
    await this.audit.recordPlatformChange({
      action: 'platform_admin.password_changed',
      targetType: 'platform_admin',
      targetId: admin.id,
      detail: { revokedRefreshTokens: revoked, keptCurrentSession: principal!.sessionId !== undefined },
    });
  }
}
