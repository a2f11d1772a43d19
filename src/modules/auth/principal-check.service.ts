import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from '../../common/errors.js';
import type { Principal } from '../../common/principal.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { UsersRepository } from './users.repository.js';

/**
 * The revocation step of the request pipeline: an access token of a user (or platform admin)
 * who was deleted, disabled or given another role since the token was issued stops working on
 * the very next request, not at expiry. One primary-key lookup in the request's own transaction
 * (the session's scope matches the principal's: the authenticator checked it).
 */
@Injectable()
export class PrincipalCheck {
  constructor(
    private readonly users: UsersRepository,
    private readonly admins: PlatformAdminsRepository,
  ) {}

  /** Resolves when the principal is still valid; rejects with 401 when it is not. */
  async verify(principal: Principal): Promise<void> {
    if (principal.scope === 'tenant') {
      const user = await this.users.access(principal.subject);
      if (!user || user.status !== 'active' || user.role !== principal.role) throw revoked();
    } else {
      // a demoted admin's token still names the old role: refused like a disabled admin's
      const admin = await this.admins.findById(principal.subject);
      if (!admin || admin.status !== 'active' || admin.role !== principal.role) throw revoked();
    }
  }
}

const revoked = () => new UnauthorizedError('The access token is no longer valid; log in again.');
