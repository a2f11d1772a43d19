import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import type { DestinationStream, Logger } from 'pino';
import { ProblemFilter } from './common/problem.filter.js';
import { RateLimitModule } from './common/rate-limit.module.js';
import type { RateLimitStore } from './common/rate-limit.store.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/app-config.module.js';
import { DatabaseModule } from './database/database.module.js';
import type { DatabaseEndpoints } from './database/database.tokens.js';
import { HealthModule } from './health/health.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ProvisioningModule } from './modules/provisioning/provisioning.module.js';
import { RegistryModule } from './modules/registry/registry.module.js';
import { SharingModule } from './modules/sharing/sharing.module.js';
import { TenantModule } from './modules/tenant/tenant.module.js';
import { RequestPipelineModule } from './pipeline/request-pipeline.module.js';
import { DiagnosticsModule } from './observability/diagnostics.module.js';
import { LoggingModule } from './observability/logging.module.js';
import { MetricsModule } from './observability/metrics.module.js';

export interface AppOptions {
  config: AppConfig;
  database: DatabaseEndpoints;
  /** where pino writes (tests capture logs this way); default stdout, pretty in development */
  logDestination?: DestinationStream;
  /** the process's root pino logger (main.ts makes it before the app, to log in one format) */
  rootLogger?: Logger;
  /** a rate-limit store of the caller's; default Redis with REDIS_URL, else in memory */
  rateLimitStore?: RateLimitStore;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(options.config),
        LoggingModule.forRoot(options.config, options.logDestination, options.rootLogger),
        DatabaseModule.forRoot(options.database),
        RateLimitModule.forRoot(options.config, options.rateLimitStore),
        MetricsModule.forRoot(options.config),
        HealthModule,
        TenantModule,
        AuthModule,
        RegistryModule,
        ProvisioningModule,
        SharingModule,
        RequestPipelineModule,
        ...(options.config.diagnosticRoutes ? [DiagnosticsModule] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
