import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { requestContext, type RequestState } from '../common/request-context.js';
import { PLATFORM_DATA_SOURCE, TENANT_DATA_SOURCE } from './database.tokens.js';
import { TransactionSession } from './db-session.js';

// The only statements that set the context. Parameterised and transaction-local (is_local =
// true): never a session-level SET, never string interpolation.
const TENANT_CONTEXT_SQL = "SELECT set_config('app.current_tenant_id', $1, true)";
const PLATFORM_CONTEXT_SQL =
  "SELECT set_config('app.scope', 'platform', true), set_config('app.actor', $1, true)";

/** Opens tenant and platform transactions; the only way code reaches the runtime pools. */
@Injectable()
export class DatabaseSessions {
  constructor(
    @InjectDataSource(TENANT_DATA_SOURCE) readonly tenantDataSource: DataSource,
    @InjectDataSource(PLATFORM_DATA_SOURCE) readonly platformDataSource: DataSource,
  ) {}

  tenantSession(tenantId: string): TransactionSession {
    return new TransactionSession('tenant', this.tenantDataSource, TENANT_CONTEXT_SQL, [tenantId]);
  }

  platformSession(actor: string): TransactionSession {
    return new TransactionSession('platform', this.platformDataSource, PLATFORM_CONTEXT_SQL, [
      actor,
    ]);
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
