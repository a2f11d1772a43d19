import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { AppConfig } from './app-config.js';

/**
 * Provides the validated, typed AppConfig to every module. The environment is read and validated
 * once, by loadConfig() before boot (main.ts needs it to reach the database); @nestjs/config
 * holds the result under `app`, and AppConfig is that object, so a provider injects AppConfig
 * (typed) rather than string keys of ConfigService.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ app: config })] })],
      providers: [
        { provide: AppConfig, inject: [ConfigService], useFactory: (cs: ConfigService) => cs.getOrThrow<AppConfig>('app') },
      ],
      exports: [AppConfig],
    };
  }
}
