import pg from 'pg';
import { loadContextKey, signContext, type ContextKey } from '../../src/database/tenant-context.js';

// The harness signs the tenant context like the service (src/database/tenant-context.ts), with
// the key the database holds, read as the owner. Same host as the database: no clock offset.
const TTL_MS = 60_000;
const keys = new Map<string, Promise<ContextKey>>();

/** The current context key of the database behind `ownerUrl` (owner or superuser), read once. */
export function benchContextKey(ownerUrl: string): Promise<ContextKey> {
  let key = keys.get(ownerUrl);
  if (!key) {
    key = (async () => {
      const c = new pg.Client({ connectionString: ownerUrl });
      await c.connect();
      try {
        return await contextKeyOf(c);
      } finally {
        await c.end();
      }
    })();
    keys.set(ownerUrl, key);
  }
  return key;
}

/** The current context key, on a connection of the owner (or a superuser). */
export async function contextKeyOf(owner: pg.ClientBase): Promise<ContextKey> {
  const key = await loadContextKey(owner);
  if (!key) throw new Error('the bench database holds no tenant context key (setup generates one)');
  return key;
}

export const signedTenant = (key: ContextKey, tenantId: string): string =>
  signContext(key, 'tenant', tenantId, Date.now() + TTL_MS);

export const signedPlatform = (key: ContextKey): string => signContext(key, 'platform', 'platform', Date.now() + TTL_MS);
