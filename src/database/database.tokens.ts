/** Names of the two runtime data sources (TypeORM connections). */
export const TENANT_DATA_SOURCE = 'tenant';
export const PLATFORM_DATA_SOURCE = 'platform';

/** Connection strings the app runs with, settled by prepareDatabase() before Nest boots. */
export interface DatabaseEndpoints {
  /** owner role: migrations and role setup only */
  ownerUrl: string;
  /** tenant runtime role (NOSUPERUSER, NOBYPASSRLS, owns nothing) */
  tenantUrl: string;
  /** platform runtime role (NOSUPERUSER, NOBYPASSRLS, owns nothing) */
  platformUrl: string;
  /**
   * the LISTEN connection for tenant changes, when it must not go where tenantUrl goes (a
   * PgBouncer in transaction mode drops a LISTEN); tenantUrl when absent
   */
  listenUrl?: string;
}

export const DATABASE_ENDPOINTS = Symbol('DATABASE_ENDPOINTS');
