import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import type { DatabaseEndpoints } from '../../src/database/database.tokens.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with "npm test" (global setup)`);
  return value;
}

/** Connection strings the global setup prepared. */
export function testEndpoints(): DatabaseEndpoints & { superuserUrl?: string } {
  return {
    ownerUrl: required('TEST_OWNER_URL'),
    tenantUrl: required('TEST_TENANT_URL'),
    platformUrl: required('TEST_PLATFORM_URL'),
    superuserUrl: process.env.TEST_SUPERUSER_URL,
  };
}

/** A test configuration; `overrides` are raw environment variables. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: process.env.TEST_DATA_DIR,
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789abcdef',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    BASE_DOMAIN: 'localtest.me',
    LOG_LEVEL: 'silent',
    // `npm run test:pool1` runs suites with one connection per pool: a path that holds two
    // connections of a pool at once deadlocks there
    ...(process.env.TEST_DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.TEST_DB_POOL_SIZE } : {}),
    ...overrides,
  });
}
