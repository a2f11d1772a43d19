import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from '../../common/errors.js';
import type { Principal } from '../../common/principal.js';
import { AppConfig } from '../../config/app-config.js';
import { DatabaseNotifications } from '../../database/database-notifications.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { PrincipalCache, type PrincipalState } from './principal-cache.js';
import { UsersRepository } from './users.repository.js';

/** Sent by migration 0035's triggers when a user's or admin's role or status changes, or the row goes. */
export const PRINCIPAL_CHANGED_CHANNEL = 'principal_changed';

/**
 * The revocation step of the request pipeline: an access token of a user (or platform admin)
 * who was deleted, disabled or given another role since the token was issued stops working on
 * the very next request, not at expiry. A primary-key lookup in the request's own transaction
 * (the session's scope matches the principal's: the authenticator checked it), kept in a
 * per-instance cache (PRINCIPAL_CACHE_TTL_MS) while this instance LISTENs for
 * `principal_changed`: every change of the row, on any instance or in psql, drops the entry
 * everywhere when it commits. Without the LISTEN connection nothing is cached or trusted.
 */
@Injectable()
export class PrincipalCheck {
  readonly cache: PrincipalCache;

  constructor(
    private readonly users: UsersRepository,
    private readonly admins: PlatformAdminsRepository,
    private readonly notifications: DatabaseNotifications,
    config: AppConfig,
  ) {
    this.cache = new PrincipalCache(config.principalCache.ttlMs, config.principalCache.max);
    if (this.cache.enabled) {
      notifications.subscribe(PRINCIPAL_CHANGED_CHANNEL, {
        notify: (id) => this.cache.invalidate(id),
        lost: () => this.cache.clear(),
      });
    }
  }

  /**
   * A user or platform admin was changed or deleted by this instance: its next request re-reads
   * the check here at once. Other instances drop their entry on NOTIFY principal_changed, which
   * arrives just after the commit (and a request on this instance could beat it).
   */
  changed(id: string): void {
    this.cache.invalidate(id);
  }

  /** Resolves when the principal is still valid; rejects with 401 when it is not. */
  async verify(principal: Principal): Promise<void> {
    const state = await this.stateOf(principal);
    if (!state || state.status !== 'active' || state.role !== principal.role) throw revoked();
  }

  private async stateOf(principal: Principal): Promise<PrincipalState | undefined> {
    const owner = principal.scope === 'tenant' ? `tenant:${principal.tenantId}` : 'platform';
    const trusted = this.cache.enabled && this.notifications.listening;
    if (trusted) {
      const hit = this.cache.get(principal.subject, owner);
      if (hit) return hit.state;
    }
    const generation = this.cache.generation;
    // a demoted admin's token still names the old role: refused like a disabled admin's
    const state =
      principal.scope === 'tenant' ? await this.users.access(principal.subject) : await this.admins.findById(principal.subject);
    if (trusted) this.cache.set(principal.subject, owner, state, generation);
    return state;
  }
}

const revoked = () => new UnauthorizedError('The access token is no longer valid; log in again.');
