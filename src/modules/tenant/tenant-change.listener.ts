import { Injectable } from '@nestjs/common';
import { DatabaseNotifications } from '../../database/database-notifications.js';
import { TENANT_CHANGED_CHANNEL } from './tenant-events.js';
import { TenantResolver } from './tenant-resolver.service.js';

/**
 * Each `tenant_changed` notification drops that tenant from the resolution cache, so a
 * suspension on any instance takes effect on every instance. After a lost LISTEN connection
 * the whole cache is dropped, since notifications sent meanwhile are lost.
 */
@Injectable()
export class TenantChangeListener {
  constructor(
    private readonly notifications: DatabaseNotifications,
    resolver: TenantResolver,
  ) {
    notifications.subscribe(TENANT_CHANGED_CHANNEL, {
      notify: (payload) => resolver.invalidate(payload),
      lost: () => resolver.clearCache(),
    });
  }

  get listening(): boolean {
    return this.notifications.listening;
  }
}
