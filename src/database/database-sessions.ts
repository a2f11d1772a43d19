import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { requestContext, type RequestState } from '../common/request-context.js';
import { Bulkhead } from '../common/bulkhead.js';
import { TenantBusyError } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';
import { DATABASE_ENDPOINTS, PLATFORM_DATA_SOURCE, TENANT_DATA_SOURCE, type DatabaseEndpoints } from './database.tokens.js';
import { TransactionSession } from './db-session.js';
import { cancelBackend } from './pg-cancel.js';
import { TenantContextSigner } from './tenant-context.js';

// The only statements that set the context. Parameterised and transaction-local (is_local =
// true): never a session-level SET, never string interpolation. The timeouts ride along in the
// same statement, so they cost no round trip and end with the transaction (SET LOCAL). The
// tenant and the platform scope are signed values (tenant-context.ts), signed when the
// transaction opens: the database accepts nothing else, so SQL that runs as a runtime role
// cannot set a context of its own.
const TIMEOUTS_SQL =
  "set_config('statement_timeout', $2, true), set_config('idle_in_transaction_session_timeout', $3, true)";
// The backend's pid rides along too: what abandon() cancels when the client goes away.
const TENANT_CONTEXT_SQL = `SELECT set_config('app.current_tenant_id', $1, true), ${TIMEOUTS_SQL}, pg_backend_pid() AS pid`;
const PLATFORM_CONTEXT_SQL = `SELECT set_config('app.scope', $1, true), ${TIMEOUTS_SQL}, set_config('app.actor', $4, true), pg_backend_pid() AS pid`;

/** Thrown when code would hold a second connection of a pool while its request holds one. */
export class NestedSessionError extends Error {
  constructor(scope: string) {
    super(
      `refusing to open a second ${scope} transaction while this request holds one: a request ` +
        'uses one connection of each pool at most (use the request transaction, or ' +
        'TransactionSession.writeEvenOnRollback for writes that must survive a rollback)',
    );
  }
}

/** Opens tenant and platform transactions; the only way code reaches the runtime pools. */
@Injectable()
export class DatabaseSessions {
  /**
   * Per-tenant share of the tenant pool (DB_TENANT_POOL_SHARE, DB_TENANT_WAIT_MS): a tenant over
   * its share waits for one of its own connections, then gets 503 tenant_busy, and never queues
   * in the pool in front of other tenants.
   */
  readonly bulkhead: Bulkhead;
  private readonly tenantTimeouts: [string, string];
  private readonly platformTimeouts: [string, string];

  constructor(
    @InjectDataSource(TENANT_DATA_SOURCE) readonly tenantDataSource: DataSource,
    @InjectDataSource(PLATFORM_DATA_SOURCE) readonly platformDataSource: DataSource,
    config: AppConfig,
    private readonly signer: TenantContextSigner,
    @Inject(DATABASE_ENDPOINTS) private readonly endpoints: DatabaseEndpoints,
  ) {
    const retryAfter = Math.max(1, Math.ceil(config.db.tenantWaitMs / 1000));
    this.bulkhead = new Bulkhead(config.db.maxPerTenant, config.db.tenantWaitMs, () => new TenantBusyError(retryAfter));
    const idle = String(config.db.idleInTransactionTimeoutMs);
    this.tenantTimeouts = [String(config.db.statementTimeoutMs), idle];
    // platform work (suspending a tenant rewrites its resources' owner flag, purge deletes it all)
    // is rarer, trusted and larger than a tenant request
    this.platformTimeouts = [String(config.db.platformStatementTimeoutMs), idle];
  }

  /** `singleRead`: the route reads with one statement (@SingleRead, db-session.ts) */
  tenantSession(tenantId: string, singleRead = false): TransactionSession {
    const params = () => [this.signer.tenant(tenantId), ...this.tenantTimeouts];
    return new TransactionSession('tenant', this.tenantDataSource, TENANT_CONTEXT_SQL, params, {
      singleRead,
      admit: () => this.bulkhead.acquire(tenantId),
      cancel: (pid) => cancelBackend(this.endpoints.tenantUrl, pid),
    });
  }

  platformSession(actor: string, singleRead = false): TransactionSession {
    const params = () => [this.signer.platform(), ...this.platformTimeouts, actor];
    return new TransactionSession('platform', this.platformDataSource, PLATFORM_CONTEXT_SQL, params, {
      singleRead,
      cancel: (pid) => cancelBackend(this.endpoints.platformUrl, pid),
    });
  }

  /** Runs `fn` in one tenant transaction outside HTTP (jobs, seeding): commit or roll back. */
  runAsTenant<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    return this.run(this.tenantSession(tenantId), { tenantId }, fn);
  }

  /** Runs `fn` in one platform transaction outside HTTP (jobs, seeding): commit or roll back. */
  runAsPlatform<T>(actor: string, fn: () => Promise<T>): Promise<T> {
    return this.run(this.platformSession(actor), {}, fn);
  }

  private async run<T>(
    session: TransactionSession,
    extra: Partial<RequestState>,
    fn: () => Promise<T>,
  ): Promise<T> {
    const parent = requestContext.get();
    // Structural: a request never holds two connections of one pool (a second one waited for
    // while holding the first deadlocks a small pool under load).
    const held = parent?.session as TransactionSession | undefined;
    if (held?.isOpen && held.scope === session.scope) throw new NestedSessionError(session.scope);
    const state: RequestState = {
      requestId: parent?.requestId ?? 'job',
      ip: parent?.ip,
      principal: parent?.principal,
      ...extra,
      session,
    };
    try {
      const result = await requestContext.run(state, fn);
      await session.commit();
      return result;
    } catch (err) {
      await session.rollback();
      throw err;
    }
  }
}
