import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import pg from 'pg';
import { DATABASE_ENDPOINTS, type DatabaseEndpoints } from '../../database/database.tokens.js';
import { TENANT_CHANGED_CHANNEL } from './tenant-events.js';
import { TenantResolver } from './tenant-resolver.service.js';

const RECONNECT_MS = 1_000;

/**
 * One LISTEN connection per instance (tenant runtime role: LISTEN needs no privilege). Each
 * `tenant_changed` notification drops that tenant from the resolution cache, so a suspension on
 * any instance takes effect on every instance. After a lost connection the whole cache is
 * dropped, since notifications sent meanwhile are lost.
 */
@Injectable()
export class TenantChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TenantChangeListener');
  private client?: pg.Client;
  private closing = false;
  private retry?: NodeJS.Timeout;

  constructor(
    @Inject(DATABASE_ENDPOINTS) private readonly endpoints: DatabaseEndpoints,
    private readonly resolver: TenantResolver,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  get listening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.endpoints.listenUrl ?? this.endpoints.tenantUrl,
      application_name: 'tenancy-listener',
      keepAlive: true,
    });
    client.on('notification', (msg) => {
      if (msg.channel !== TENANT_CHANGED_CHANNEL || !msg.payload) return;
      this.resolver.invalidate(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${TENANT_CHANGED_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      if (this.closing) return;
      this.logger.warn(`cannot LISTEN (${(err as Error).message}); retrying`);
      this.scheduleReconnect();
      return;
    }
    if (this.closing) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client, err?: Error) {
    if (this.closing || this.client !== client) return;
    this.client = undefined;
    this.logger.warn(`LISTEN connection lost${err ? ` (${err.message})` : ''}; reconnecting`);
    this.resolver.clearCache();
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect() {
    if (this.closing || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.retry.unref();
  }
}
