import pg from 'pg';
import { loadContextKey, signContext, type ContextKey } from '../../src/database/tenant-context.js';
import { testEndpoints } from './env.js';

let key: Promise<ContextKey> | undefined;

/** The database's current tenant context key, read once per worker as the owner (the service's way). */
export function contextKey(): Promise<ContextKey> {
  key ??= (async () => {
    const owner = new pg.Client({ connectionString: testEndpoints().ownerUrl });
    await owner.connect();
    try {
      const found = await loadContextKey(owner);
      if (!found) throw new Error('the test database holds no tenant context key (setup generates one)');
      return found;
    } finally {
      await owner.end();
    }
  })();
  return key;
}

// Same host as the database: no clock offset. A minute covers any transaction of a test.
const TEST_TTL_MS = 60_000;

/** `tenantId` signed the way the service signs it, for `set_config('app.current_tenant_id', …, true)`. */
export async function signedTenant(tenantId: string, ttlMs = TEST_TTL_MS): Promise<string> {
  return signContext(await contextKey(), 'tenant', tenantId, Date.now() + ttlMs);
}

/** The platform scope signed the way the service signs it, for `set_config('app.scope', …, true)`. */
export async function signedPlatform(ttlMs = TEST_TTL_MS): Promise<string> {
  return signContext(await contextKey(), 'platform', 'platform', Date.now() + ttlMs);
}
