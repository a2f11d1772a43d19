import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../../src/config/app-config.js';
import type { DatabaseEndpoints } from '../../src/database/database.tokens.js';
import { loadLocalSecrets } from '../../src/database/local-secrets.js';
import { migrate } from '../../src/database/migrator.js';
import {
  findMigrationsDir,
  prepareDatabase,
  type PreparedDatabase,
} from '../../src/database/prepare-database.js';
import { deriveUrl, passwordClause, PLATFORM_ROLE, TENANT_ROLE } from '../../src/database/roles.js';
import { ensureContextKey } from '../../src/database/tenant-context.js';

/** The harness's own BYPASSRLS role for baselines. Never granted to the runtime roles. */
export const BASELINE_ROLE = 'tenancy_bench_baseline';

export interface BenchDatabase extends DatabaseEndpoints {
  name: string;
  /** superuser (embedded) or DATABASE_URL (external) connection to this database */
  adminUrl: string;
}

export interface BenchCluster {
  kind: 'embedded' | 'external';
  dataDir: string;
  main: BenchDatabase;
  /** the BYPASSRLS baseline role's password, or why it could not be created */
  baseline: { ok: true; password: string } | { ok: false; reason: string };
  /** A second throwaway, migrated database on the same server (scenario 4). */
  createDatabase(name: string): Promise<BenchDatabase>;
  /** Connection string of the baseline role on `db`, after granting it read access there. */
  baselineUrl(db: BenchDatabase): Promise<string>;
  stop(): Promise<void>;
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'tenancy-bench-setup' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh embedded Postgres in a temp dir (removed at the end), or the server of DATABASE_URL,
 * prepared exactly as the service prepares it (roles, migrations), plus the harness's baseline
 * role. `config` is the production configuration the app will run with.
 */
export async function startCluster(
  config: AppConfig,
  log: (line: string) => void,
): Promise<BenchCluster> {
  const external = Boolean(config.databaseUrl);
  const dataDir = config.dataDir;
  const prepared: PreparedDatabase = await prepareDatabase(config, {
    persistent: false,
    log: (line) => log(`  ${line}`),
  });
  const secrets = loadLocalSecrets(dataDir);
  const adminUrl = external ? config.databaseUrl! : prepared.superuserUrl!;
  const mainName = new URL(adminUrl).pathname.slice(1) || 'postgres';
  const main: BenchDatabase = {
    name: mainName,
    adminUrl,
    ownerUrl: prepared.ownerUrl,
    tenantUrl: prepared.tenantUrl,
    platformUrl: prepared.platformUrl,
  };

  const baselinePassword = randomBytes(18).toString('base64url');
  let baseline: BenchCluster['baseline'];
  try {
    await withClient(adminUrl, async (c) => {
      const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [BASELINE_ROLE]);
      if (exists.rowCount === 0) await c.query(`CREATE ROLE ${BASELINE_ROLE}`);
      await c.query(
        `ALTER ROLE ${BASELINE_ROLE} LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE ${passwordClause(c, baselinePassword)}`,
      );
    });
    baseline = { ok: true, password: baselinePassword };
  } catch (err) {
    baseline = {
      ok: false,
      reason: `cannot create the BYPASSRLS baseline role (${(err as Error).message}); it needs a superuser DATABASE_URL`,
    };
  }

  const extra: string[] = [];
  return {
    kind: external ? 'external' : 'embedded',
    dataDir,
    main,
    baseline,
    async createDatabase(name: string) {
      await withClient(adminUrl, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)}`);
        const owner = external ? 'CURRENT_USER' : 'tenancy_owner';
        await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} OWNER ${owner} ENCODING 'UTF8'`);
      });
      extra.push(name);
      const ownerUrl = withDatabase(main.ownerUrl, name);
      await withClient(ownerUrl, async (c) => {
        await migrate(c, findMigrationsDir(), () => {});
        await ensureContextKey(c, config.tenantContext.key); // as setup does (prepareDatabase)
      });
      return {
        name,
        adminUrl: withDatabase(adminUrl, name),
        ownerUrl,
        tenantUrl: config.appDatabaseUrl
          ? withDatabase(config.appDatabaseUrl, name)
          : deriveUrl(ownerUrl, TENANT_ROLE, secrets.appPassword),
        platformUrl: config.platformDatabaseUrl
          ? withDatabase(config.platformDatabaseUrl, name)
          : deriveUrl(ownerUrl, PLATFORM_ROLE, secrets.platformPassword),
      };
    },
    async baselineUrl(db: BenchDatabase) {
      if (!baseline.ok) throw new Error(baseline.reason);
      await withClient(db.adminUrl, async (c) => {
        await c.query(`GRANT USAGE ON SCHEMA public, app TO ${BASELINE_ROLE}`);
        await c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${BASELINE_ROLE}`);
        // scenario 2d reads the tenant context through the verifying function (never the keys);
        // 2e writes out the resources policies, which call app.shared_with_current_tenant
        await c.query(
          `GRANT EXECUTE ON FUNCTION app.current_tenant_id(), app.verified_context(text, text), app.shared_with_current_tenant(uuid, uuid) TO ${BASELINE_ROLE}`,
        );
      });
      return deriveUrl(db.tenantUrl, BASELINE_ROLE, baseline.password);
    },
    async stop() {
      if (external) {
        await withClient(adminUrl, async (c) => {
          for (const name of extra) await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)}`);
          if (baseline.ok) {
            await c.query(`DROP OWNED BY ${BASELINE_ROLE}`).catch(() => undefined);
            await c.query(`DROP ROLE IF EXISTS ${BASELINE_ROLE}`).catch(() => undefined);
          }
        }).catch((err) => log(`cleanup failed: ${(err as Error).message}`));
      }
      await prepared.embedded?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A temp dir the embedded server (running as the postgres user when we are root) can enter. */
export function benchDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenancy-bench-'));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * A pg pool for the harness. Idle clients that the server drops (at the end of the run, when
 * Postgres stops) must not crash the process with an unhandled 'error' event.
 */
export function benchPool(config: pg.PoolConfig & { pipeline?: boolean }): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', () => undefined);
  return pool;
}
