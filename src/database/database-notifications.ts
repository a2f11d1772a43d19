import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import pg from 'pg';
import { DATABASE_ENDPOINTS, type DatabaseEndpoints } from './database.tokens.js';

const RECONNECT_MS = 1_000;
const CHANNEL = /^[a-z_][a-z0-9_]*$/;

export interface ChannelSubscriber {
  /** a notification on the channel, with its payload */
  notify(payload: string): void;
  /**
   * The LISTEN connection was lost: notifications sent meanwhile are lost too,
   * so whatever they would have invalidated must be dropped now.
   */
  lost(): void;
}

/**
 * One LISTEN connection per instance for every channel the modules subscribe to (the tenant
 * runtime role: LISTEN needs no privilege), reconnecting after a loss. Caches built on it may be
 * trusted only while `listening`: each subscriber is told when the connection goes, since the
 * notifications sent while it was gone never arrive.
 */
@Injectable()
export class DatabaseNotifications implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DatabaseNotifications');
  private readonly subscribers = new Map<string, ChannelSubscriber[]>();
  private client?: pg.Client;
  private closing = false;
  private retry?: NodeJS.Timeout;

  constructor(@Inject(DATABASE_ENDPOINTS) private readonly endpoints: DatabaseEndpoints) {}

  /** Subscribes to `channel` (before the application starts; providers do it in their constructor). */
  subscribe(channel: string, subscriber: ChannelSubscriber): void {
    if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
    if (this.client) throw new Error('subscribe before the application starts');
    this.subscribers.set(channel, [...(this.subscribers.get(channel) ?? []), subscriber]);
  }

  /** Connected and listening on every subscribed channel. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.subscribers.size > 0) await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.endpoints.listenUrl ?? this.endpoints.tenantUrl,
      application_name: 'tenancy-listener',
      keepAlive: true,
    });
    client.on('notification', (msg) => {
      if (!msg.payload) return;
      for (const s of this.subscribers.get(msg.channel) ?? []) s.notify(msg.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      // channel names are checked against CHANNEL above: identifiers, never input
      for (const channel of this.subscribers.keys()) await client.query(`LISTEN ${channel}`);
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
    for (const list of this.subscribers.values()) for (const s of list) s.lost();
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
