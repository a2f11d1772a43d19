import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../../src/app.module.js';
import type { Principal } from '../../src/common/principal.js';
import { requestContext } from '../../src/common/request-context.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { testConfig, testEndpoints } from './env.js';

/**
 * "Medium" tests (immich's name): the real application's providers on the suite's database,
 * without HTTP. Services are called inside DatabaseSessions.runAsTenant / runAsPlatform, as a
 * request handler or a job would be; the purge schedule and the metrics listener are off.
 */
export async function createMediumContext(env: Record<string, string> = {}): Promise<INestApplicationContext> {
  const config = testConfig({ TENANT_PURGE_INTERVAL_SECONDS: '0', METRICS_PORT: '', ...env });
  return NestFactory.createApplicationContext(AppModule.forRoot({ config, database: testEndpoints() }), { logger: false });
}

/** A tenant user's principal, as the request pipeline sets it from a verified token. */
export function tenantPrincipal(tenantId: string, userId: string, role = 'admin'): Principal {
  return { scope: 'tenant', subject: userId, tenantId, role, tokenId: randomUUID() };
}

/** A platform admin's principal. */
export function platformPrincipal(adminId: string): Principal {
  return { scope: 'platform', subject: adminId, role: 'platform_admin', tokenId: randomUUID() };
}

/** `fn` in one tenant transaction of `tenantId` (commit, or roll back on a throw), as `principal`. */
export function inTenant<T>(ctx: INestApplicationContext, tenantId: string, principal: Principal | undefined, fn: () => Promise<T>): Promise<T> {
  return requestContext.run({ requestId: `medium-${randomUUID()}`, principal }, () =>
    ctx.get(DatabaseSessions).runAsTenant(tenantId, fn));
}

/** `fn` in one platform transaction (commit, or roll back on a throw), as `principal`. */
export function inPlatform<T>(ctx: INestApplicationContext, principal: Principal | undefined, fn: () => Promise<T>): Promise<T> {
  return requestContext.run({ requestId: `medium-${randomUUID()}`, principal }, () =>
    ctx.get(DatabaseSessions).runAsPlatform(principal?.subject ?? 'medium-test', fn));
}

/** The error `promise` rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a result');
}
