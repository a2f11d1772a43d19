import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { TenantResolver } from './tenant-resolver.service.js';

/** The channel every instance LISTENs on; the payload is a tenant id. */
export const TENANT_CHANGED_CHANNEL = 'tenant_changed';

/**
 * Announces a change of a tenant's status or identity to every instance. pg_notify runs in the
 * platform transaction, so the message is delivered at COMMIT (and never for a rollback).
 */
@Injectable()
export class TenantEvents {
  constructor(private readonly resolver: TenantResolver) {}

  async changed(tenantId: string, subdomain?: string): Promise<void> {
    const em = await requestContext.platformManager();
    // pg_notify: a function call, nothing for a query builder to build
    await em.query('SELECT pg_notify($1, $2)', [TENANT_CHANGED_CHANNEL, tenantId]);
    // The subdomain too: an instance may hold a cached miss for it (keyed by name, not id).
    if (subdomain) await em.query('SELECT pg_notify($1, $2)', [TENANT_CHANGED_CHANNEL, subdomain]);
    // This instance forgets now as well; the notification (delivered to this instance too,
    // after COMMIT) closes the window in which a request could re-cache the old state.
    this.resolver.invalidate(tenantId);
    if (subdomain) this.resolver.invalidate(subdomain);
  }
}
