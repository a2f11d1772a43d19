import { Global, Module, type DynamicModule } from '@nestjs/common';
import { MemoryRateLimitStore, RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.store.js';

/** Provides the RateLimitStore: in memory unless the app is built with a shared one. */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(store?: RateLimitStore): DynamicModule {
    return {
      module: RateLimitModule,
      providers: [{ provide: RATE_LIMIT_STORE, useValue: store ?? new MemoryRateLimitStore() }],
      exports: [RATE_LIMIT_STORE],
    };
  }
}
