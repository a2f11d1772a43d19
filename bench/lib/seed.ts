import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { benchContextKey, signedPlatform } from './context.js';
import type { BenchDatabase } from './database.js';
import { withClient } from './database.js';

export interface SeededTenant {
  id: string;
  subdomain: string;
  userId: string;
}

/**
 * Runs `fn` in one committed transaction as the PLATFORM runtime role in platform scope, the
 * way the service's own jobs write across tenants (RLS applies; no superuser shortcut).
 */
export async function platformTx<T>(db: BenchDatabase, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const key = await benchContextKey(db.ownerUrl);
  return withClient(db.platformUrl, async (c) => {
    await c.query('BEGIN');
    try {
      await c.query(
        "SELECT set_config('app.scope', $1, true), set_config('app.actor', 'bench-harness', true)",
        [signedPlatform(key)],
      );
      const result = await fn(c);
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

let memberHash: Promise<string> | undefined;
/** One argon2 hash shared by every generated user (nobody logs in with it during the bench). */
function sharedHash(): Promise<string> {
  memberHash ??= argon2.hash(randomBytes(16).toString('hex'), {
    type: argon2.argon2id,
    memoryCost: 1024,
    timeCost: 1,
    parallelism: 1,
  });
  return memberHash;
}

/** `count` active tenants `<prefix>-<n>`, each with one member user, in batches. */
export async function seedTenants(
  db: BenchDatabase,
  opts: { count: number; prefix: string; start?: number },
): Promise<SeededTenant[]> {
  const hash = await sharedHash();
  const out: SeededTenant[] = [];
  const batch = 5_000;
  const start = opts.start ?? 1;
  for (let from = start; from < start + opts.count; from += batch) {
    const to = Math.min(from + batch - 1, start + opts.count - 1);
    const rows = await platformTx(db, async (c) => {
      const t = await c.query<{ id: string; subdomain: string }>(
        `INSERT INTO tenants (subdomain, company_name, status, type, tier)
         SELECT $1 || '-' || g, 'Bench tenant ' || g, 'active', 'client', 'free'
           FROM generate_series($2::int, $3::int) g
         RETURNING id, subdomain`,
        [opts.prefix, from, to],
      );
      const u = await c.query<{ tenant_id: string; id: string }>(
        `INSERT INTO users (tenant_id, email, password_hash, role, status)
         SELECT id, 'member@bench.test', $2, 'member', 'active' FROM unnest($1::uuid[]) id
         RETURNING tenant_id, id`,
        [t.rows.map((r) => r.id), hash],
      );
      const userOf = new Map(u.rows.map((r) => [r.tenant_id, r.id]));
      return t.rows.map((r) => ({ id: r.id, subdomain: r.subdomain, userId: userOf.get(r.id)! }));
    });
    out.push(...rows);
  }
  return out;
}

/** One member user for each tenant id (committed as the platform role); tenant id → user id. */
export async function seedUsers(db: BenchDatabase, tenantIds: string[]): Promise<Map<string, string>> {
  const hash = await sharedHash();
  const out = new Map<string, string>();
  for (let i = 0; i < tenantIds.length; i += 5_000) {
    const rows = await platformTx(db, async (c) =>
      (
        await c.query<{ tenant_id: string; id: string }>(
          `INSERT INTO users (tenant_id, email, password_hash, role, status)
           SELECT id, 'member@bench.test', $2, 'member', 'active' FROM unnest($1::uuid[]) id
           RETURNING tenant_id, id`,
          [tenantIds.slice(i, i + 5_000), hash],
        )
      ).rows,
    );
    for (const r of rows) out.set(r.tenant_id, r.id);
  }
  return out;
}

/** Whether a table exists in the database's public schema. */
export async function tableExists(db: BenchDatabase, table: string): Promise<boolean> {
  return withClient(db.adminUrl, async (c) => {
    const { rows } = await c.query('SELECT to_regclass($1) IS NOT NULL AS present', [`public.${table}`]);
    return rows[0].present as boolean;
  });
}
