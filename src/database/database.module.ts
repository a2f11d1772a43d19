import { Global, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { BatchingSocket } from './batching-socket.js';
import { DatabaseNotifications } from './database-notifications.js';
import { DatabaseSessions } from './database-sessions.js';
import { ENTITIES } from './entities.js';
import { PreparingClient } from './prepared-statements.js';
import { RuntimeClient } from './runtime-client.js';
import { runtimeDriver } from './runtime-pool.js';
import {
  DATABASE_ENDPOINTS,
  PLATFORM_DATA_SOURCE,
  TENANT_DATA_SOURCE,
  type DatabaseEndpoints,
} from './database.tokens.js';
import { assertContextSignatureAccepted, assertRuntimeRoleIsSafe } from './self-check.js';
import { createContextSigner, TenantContextSigner } from './tenant-context.js';

function runtimeOptions(name: string, url: string, poolSize: number, config: AppConfig): DataSourceOptions {
  return {
    type: 'postgres',
    synchronize: false,
    migrationsRun: false,
    entities: ENTITIES,
    logging: false,
    // the pool is the service's own (runtime-pool.ts); TypeORM gets it through `driver`
    driver: runtimeDriver({
      connectionString: url,
      max: poolSize,
      // pipeline mode lets BEGIN and set_config share one round trip (db-session.ts); it works
      // through PgBouncer in transaction mode (test/pgbouncer), DB_PIPELINE=false turns it off
      pipeline: config.dbPipeline,
      // parameterised queries as named prepared statements (prepared-statements.ts);
      // DB_PREPARED_STATEMENTS=false for poolers that cannot keep them
      // and statements framed by read-only sessions (runtime-client.ts, db-session.ts)
      Client: config.dbPreparedStatements ? PreparingClient : RuntimeClient,
      application_name: `${config.dbApplicationName}-${name}`,
      // a request's statements leave in one write per event-loop turn (batching-socket.ts)
      stream: () => new BatchingSocket(),
      idleTimeoutMillis: 30_000,
      // bounded wait for a connection: past it the request is answered 503 (db-session.ts)
      connectionTimeoutMillis: config.db.acquireTimeoutMs,
    }),
  };
}

class SelfCheck implements OnApplicationBootstrap {
  constructor(
    private readonly sessions: DatabaseSessions,
    private readonly signer: TenantContextSigner,
  ) {}
  async onApplicationBootstrap() {
    await assertRuntimeRoleIsSafe(this.sessions.tenantDataSource, 'tenant');
    await assertRuntimeRoleIsSafe(this.sessions.platformDataSource, 'platform');
    await assertContextSignatureAccepted(this.sessions.tenantDataSource, this.sessions.platformDataSource, this.signer);
  }
}

/** The two runtime pools (tenant and platform roles) and the sessions that use them. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(endpoints: DatabaseEndpoints): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: TENANT_DATA_SOURCE,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            runtimeOptions(TENANT_DATA_SOURCE, endpoints.tenantUrl, config.dbPoolSize, config),
        }),
        TypeOrmModule.forRootAsync({
          name: PLATFORM_DATA_SOURCE,
          inject: [AppConfig],
          useFactory: (config: AppConfig) =>
            runtimeOptions(PLATFORM_DATA_SOURCE, endpoints.platformUrl, config.dbPlatformPoolSize, config),
        }),
      ],
      providers: [
        { provide: DATABASE_ENDPOINTS, useValue: endpoints },
        {
          provide: TenantContextSigner,
          inject: [AppConfig],
          useFactory: (config: AppConfig) => createContextSigner(config, endpoints.ownerUrl),
        },
        DatabaseSessions,
        DatabaseNotifications,
        {
          provide: SelfCheck,
          useFactory: (s: DatabaseSessions, signer: TenantContextSigner) => new SelfCheck(s, signer),
          inject: [DatabaseSessions, TenantContextSigner],
        },
      ],
      exports: [DatabaseSessions, DatabaseNotifications, DATABASE_ENDPOINTS],
    };
  }
}
