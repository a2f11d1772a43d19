import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { Principal } from './principal.js';

/** A lazily opened database transaction bound to one request. */
export interface DbSession {
  readonly scope: 'tenant' | 'platform';
  manager(): Promise<EntityManager>;
}

export interface RequestState {
  requestId: string;
  /** client address, for audit entries */
  ip?: string;
  tenantId?: string;
  principal?: Principal;
  session?: DbSession;
}

export class NoDatabaseContextError extends Error {
  constructor(wanted: string) {
    super(
      `No ${wanted} database context: repositories may only run inside a request handled by ` +
        `the request pipeline (a @TenantRoute/@PlatformRoute) or inside ` +
        `DatabaseSessions.run*(). Refusing to query without the tenant set.`,
    );
  }
}

const storage = new AsyncLocalStorage<RequestState>();

/** Per-request state in AsyncLocalStorage; providers stay singletons. */
export const requestContext = {
  run<T>(state: RequestState, fn: () => T): T {
    return storage.run(state, fn);
  },
  get(): RequestState | undefined {
    return storage.getStore();
  },
  /** The entity manager of the current tenant transaction; throws outside one. */
  tenantManager(): Promise<EntityManager> {
    const session = storage.getStore()?.session;
    if (!session || session.scope !== 'tenant') throw new NoDatabaseContextError('tenant');
    return session.manager();
  },
  /** The entity manager of the current platform transaction; throws outside one. */
  platformManager(): Promise<EntityManager> {
    const session = storage.getStore()?.session;
    if (!session || session.scope !== 'platform') throw new NoDatabaseContextError('platform');
    return session.manager();
  },
};
