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

/** The run's own runtime role names (test/helpers/test-bed.ts); the defaults outside a run. */
export function testRoles(): { tenant: string; platform: string } {
  return {
    tenant: process.env.TEST_TENANT_ROLE ?? 'tenancy_app',
    platform: process.env.TEST_PLATFORM_ROLE ?? 'tenancy_platform',
  };
}

/** The environment a child process of the service needs to use the run's role names. */
export function testRoleEnv(): Record<string, string> {
  const r = testRoles();
  return { DATABASE_APP_ROLE: r.tenant, DATABASE_PLATFORM_ROLE: r.platform };
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
    ...testRoleEnv(),
    ...overrides,
  });
}
