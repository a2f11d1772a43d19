import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { RedisConnection } from './redis-connection.js';
import { MemoryRateLimitStore, RATE_LIMIT_STORE, RedisRateLimitStore, type RateLimitStore } from './rate-limit.store.js';

/**
 * Provides the RateLimitStore: the one the app is built with, else Redis when REDIS_URL is set
 * (and the RedisConnection, which the login throttle shares), else in memory per instance.
 */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(config: AppConfig, store?: RateLimitStore): DynamicModule {
    const shared = config.redis !== undefined;
    const storeProvider: Provider = shared
      ? {
          provide: RATE_LIMIT_STORE,
          useFactory: (redis: RedisConnection) =>
            store ??
            new RedisRateLimitStore(redis.client, {
              onFallback: (err) => redis.fellBack('rate_limit', err),
              usable: () => redis.usable,
            }),
          inject: [RedisConnection],
        }
      : { provide: RATE_LIMIT_STORE, useValue: store ?? new MemoryRateLimitStore() };
    return {
      module: RateLimitModule,
      providers: [...(shared ? [RedisConnection] : []), storeProvider],
      exports: [RATE_LIMIT_STORE, ...(shared ? [RedisConnection] : [])],
    };
  }
}
