import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The signed tenant context (migrations/0030_signed_tenant_context.sql). The service sets
 * `app.current_tenant_id` (tenant transactions) and `app.scope` (platform transactions) to
 * `<subject>.<expiry epoch ms>.<key id>.<hex HMAC-SHA256>`; the database's
 * app.current_tenant_id() / app.is_platform() verify the MAC and the expiry against the
 * transaction's now(), so SQL that runs as a runtime role cannot set a context of its own: a bare
 * id, a forged or an expired value is no tenant at all.
 *
 * The MAC covers a purpose label too (`tenant|…` or `platform|…`): a tenant value never passes
 * as the platform scope, nor the other way round.
 */

/** One HMAC-SHA256 key as the database keeps it: key XOR ipad and key XOR opad (64 bytes each). */
export interface ContextKey {
  /** 16 hex digits naming the key inside every signed value (sha256 of the key, truncated) */
  kid: string;
  ipad: Buffer;
  opad: Buffer;
}

export type ContextPurpose = 'tenant' | 'platform';

/** The subject of a platform-scope value. */
export const PLATFORM_SUBJECT = 'platform';

/** A 32-byte key, base64 (what TENANT_CONTEXT_KEY holds). */
export function generateContextSecret(): Buffer {
  return randomBytes(32);
}

/** The padded keys of `secret` (RFC 2104), so neither side XORs anything per request. */
export function contextKeyFromSecret(secret: Buffer): ContextKey {
  if (secret.length < 32) throw new Error('a tenant context key needs at least 32 bytes');
  // keys longer than the block are hashed first (RFC 2104); 32..64 bytes are used as they are
  const k = Buffer.alloc(64);
  (secret.length > 64 ? createHash('sha256').update(secret).digest() : secret).copy(k);
  const ipad = Buffer.alloc(64);
  const opad = Buffer.alloc(64);
  for (let i = 0; i < 64; i++) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  const kid = createHash('sha256').update('tenant-context-key-id:').update(secret).digest('hex').slice(0, 16);
  return { kid, ipad, opad };
}

/** HMAC-SHA256 from the padded keys: sha256(opad || sha256(ipad || message)), as the database computes it. */
export function contextMac(key: ContextKey, message: string): string {
  const inner = createHash('sha256').update(key.ipad).update(message, 'utf8').digest();
  return createHash('sha256').update(key.opad).update(inner).digest('hex');
}

/** `<subject>.<expiresAtMs>.<kid>.<mac>` with the MAC over `<purpose>|<subject>.<expiresAtMs>.<kid>`. */
export function signContext(key: ContextKey, purpose: ContextPurpose, subject: string, expiresAtMs: number): string {
  const body = `${subject}.${Math.floor(expiresAtMs)}.${key.kid}`;
  return `${body}.${contextMac(key, `${purpose}|${body}`)}`;
}

/**
 * Signs the context of each transaction the service opens. The expiry is the database's clock
 * (the local clock plus the offset measured at start) plus a short TTL: the value is checked
 * against the transaction's now(), which is fixed when BEGIN arrives, right behind the signing.
 */
export class TenantContextSigner {
  /** database clock minus local clock, in ms (measureClockOffset) */
  offsetMs = 0;

  constructor(
    readonly key: ContextKey,
    readonly ttlMs: number,
  ) {}

  tenant(tenantId: string, ttlMs = this.ttlMs): string {
    return signContext(this.key, 'tenant', tenantId, Date.now() + this.offsetMs + ttlMs);
  }

  platform(ttlMs = this.ttlMs): string {
    return signContext(this.key, 'platform', PLATFORM_SUBJECT, Date.now() + this.offsetMs + ttlMs);
  }
}

/**
 * The database's clock minus the local one (ms), from the fastest of a few round trips: the
 * server read its clock at about the middle of the round trip.
 */
export async function measureClockOffset(query: (sql: string) => Promise<{ ms: number }[]>): Promise<number> {
  let best: { rtt: number; offset: number } | undefined;
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const [row] = await query('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms');
    const t1 = Date.now();
    const sample = { rtt: t1 - t0, offset: Number(row.ms) - (t0 + t1) / 2 };
    if (!best || sample.rtt < best.rtt) best = sample;
  }
  return Math.round(best!.offset);
}

/** The key the database signs with, through the owner-only definer function; undefined if none. */
export async function loadContextKey(owner: pg.ClientBase): Promise<ContextKey | undefined> {
  const { rows } = await owner.query<{ kid: string; k_ipad: Buffer; k_opad: Buffer }>(
    'SELECT kid, k_ipad, k_opad FROM app.tenant_context_signing_key()',
  );
  return rows[0] ? { kid: rows[0].kid, ipad: rows[0].k_ipad, opad: rows[0].k_opad } : undefined;
}

/**
 * Makes `key` the current key, in the caller's transaction. The key it replaces stays accepted
 * (instances started before keep signing with it); keys retired by an earlier rotation are
 * dropped, so at most two keys are ever accepted.
 */
export async function installContextKey(owner: pg.ClientBase, key: ContextKey): Promise<void> {
  await owner.query("SELECT pg_advisory_xact_lock(hashtext('tenancy.context_key'))");
  await owner.query('DELETE FROM app.tenant_context_keys WHERE NOT current AND kid <> $1', [key.kid]);
  await owner.query('UPDATE app.tenant_context_keys SET current = false, retired_at = now() WHERE current AND kid <> $1', [key.kid]);
  await owner.query(
    `INSERT INTO app.tenant_context_keys (kid, k_ipad, k_opad, current) VALUES ($1, $2, $3, true)
     ON CONFLICT (kid) DO UPDATE SET current = true, retired_at = NULL`,
    [key.kid, key.ipad, key.opad],
  );
}

async function inTransaction<T>(owner: pg.ClientBase, fn: () => Promise<T>): Promise<T> {
  await owner.query('BEGIN');
  try {
    const result = await fn();
    await owner.query('COMMIT');
    return result;
  } catch (err) {
    await owner.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * Setup (as the owner, after the migrations): with TENANT_CONTEXT_KEY, makes it the current key
 * unless it already is; without, generates one when the database has none. Idempotent.
 */
export async function ensureContextKey(owner: pg.ClientBase, secret?: Buffer): Promise<void> {
  const current = await loadContextKey(owner);
  if (secret) {
    const key = contextKeyFromSecret(secret);
    if (current?.kid !== key.kid) await inTransaction(owner, () => installContextKey(owner, key));
    return;
  }
  if (current) return;
  await inTransaction(owner, async () => {
    // another instance may have generated one while this one waited for the lock
    await owner.query("SELECT pg_advisory_xact_lock(hashtext('tenancy.context_key'))");
    if (!(await loadContextKey(owner))) await installContextKey(owner, contextKeyFromSecret(generateContextSecret()));
  });
}

/** `npm run keys:rotate`: a new generated key becomes current; the one it replaces stays accepted. */
export async function rotateContextKey(owner: pg.ClientBase): Promise<{ current: string; previous?: string }> {
  return inTransaction(owner, async () => {
    const previous = await loadContextKey(owner);
    const key = contextKeyFromSecret(generateContextSecret());
    await installContextKey(owner, key);
    return { current: key.kid, previous: previous?.kid };
  });
}

/**
 * The service's signer at start: TENANT_CONTEXT_KEY, or the database's current key read by the
 * owner through app.tenant_context_signing_key(); the clock offset is measured on the same
 * connection. Whether the database accepts what this signs is the self-check's business.
 */
export async function createContextSigner(
  config: { tenantContext: { key?: Buffer; ttlMs: number } },
  ownerUrl: string,
): Promise<TenantContextSigner> {
  const owner = new pg.Client({ connectionString: ownerUrl, application_name: 'tenancy-setup' });
  await owner.connect();
  try {
    const key = config.tenantContext.key ? contextKeyFromSecret(config.tenantContext.key) : await loadContextKey(owner);
    if (!key) {
      throw new Error(
        'Refusing to start: the database holds no tenant context key. Setup generates one (it runs at every ' +
          'start of the service, and with `npm run migrate`), or give TENANT_CONTEXT_KEY.',
      );
    }
    const signer = new TenantContextSigner(key, config.tenantContext.ttlMs);
    signer.offsetMs = await measureClockOffset(async (sql) => (await owner.query(sql)).rows);
    return signer;
  } finally {
    await owner.end();
  }
}
