import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProblemFilter } from './common/problem.filter.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/app-config.module.js';
import { DatabaseModule } from './database/database.module.js';
import type { DatabaseEndpoints } from './database/database.tokens.js';
import { HealthModule } from './health/health.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { ProvisioningModule } from './modules/provisioning/provisioning.module.js';
import { RegistryModule } from './modules/registry/registry.module.js';
import { TenantModule } from './modules/tenant/tenant.module.js';

export interface AppOptions {
  config: AppConfig;
  database: DatabaseEndpoints;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(options.config),
        DatabaseModule.forRoot(options.database),
        HealthModule,
        TenantModule,
        AuthModule,
        RegistryModule,
        ProvisioningModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
