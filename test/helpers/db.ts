import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { signedPlatform, signedTenant } from './context.js';
import { testEndpoints } from './env.js';

export type Sql = pg.Client;

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Runs `fn` as the tenant runtime role with `tenantId` set (signed, as the service sets it),
 * inside BEGIN … ROLLBACK: nothing it writes survives. `tenantId` null runs with no tenant set;
 * '' with the setting cleared.
 */
export function asTenant<T>(tenantId: string | null, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withClient(testEndpoints().tenantUrl, async (c) => {
    await c.query('BEGIN');
    try {
      if (tenantId !== null) {
        await c.query("SELECT set_config('app.current_tenant_id', $1, true)", [tenantId && (await signedTenant(tenantId))]);
      }
      return await fn(c);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
    }
  });
}

/** Runs `fn` as the platform runtime role with the platform scope set, inside BEGIN … ROLLBACK. */
export function asPlatform<T>(fn: (sql: Sql) => Promise<T>, scoped = true): Promise<T> {
  return withClient(testEndpoints().platformUrl, async (c) => {
    await c.query('BEGIN');
    try {
      if (scoped) await c.query("SELECT set_config('app.scope', $1, true)", [await signedPlatform()]);
      return await fn(c);
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
    }
  });
}

/** Committed writes as the platform role (factories); the platform role is subject to RLS too. */
export function platformCommit<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withClient(testEndpoints().platformUrl, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query("SELECT set_config('app.scope', $1, true)", [await signedPlatform()]);
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  });
}

/** A connection as the tenant runtime role that the caller manages (pool-reuse probes). */
export async function tenantClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: testEndpoints().tenantUrl });
  await c.connect();
  return c;
}

/** Read-only catalog queries; any role can read pg_catalog, so the runtime role is used. */
export function catalog<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withClient(testEndpoints().tenantUrl, fn);
}

export function uniqueSubdomain(prefix = 't'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
