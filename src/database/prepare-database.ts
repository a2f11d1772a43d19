import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import type { DatabaseEndpoints } from './database.tokens.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';
import { loadLocalSecrets } from './local-secrets.js';
import { migrate } from './migrator.js';
import { deriveUrl, ensureRuntimeRole, passwordClause } from './roles.js';
import { ensureContextKey } from './tenant-context.js';

const OWNER_ROLE = 'tenancy_owner';
const EMBEDDED_DB = 'tenancy';

export interface PreparedDatabase extends DatabaseEndpoints {
  /** set when the service started its own embedded Postgres */
  embedded?: EmbeddedServer;
  /** a superuser connection string, only for the embedded server (tests use it for setup) */
  superuserUrl?: string;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'tenancy-setup' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Everything the database needs before the service boots: the embedded Postgres when no
 * DATABASE_URL is given, the runtime roles, the migrations and the tenant context key. Returns
 * the three connection strings. Idempotent: safe on every start and from several instances at once.
 */
export async function prepareDatabase(
  config: AppConfig,
  opts: { log?: (line: string) => void; persistent?: boolean; migrationsDir?: string } = {},
): Promise<PreparedDatabase> {
  const log = opts.log ?? (() => {});
  const migrationsDir = opts.migrationsDir ?? findMigrationsDir();
  const needsLocalSecrets =
    !config.databaseUrl || !config.appDatabaseUrl || !config.platformDatabaseUrl;
  const secrets = needsLocalSecrets ? loadLocalSecrets(config.dataDir) : undefined;

  let ownerUrl: string;
  let embedded: EmbeddedServer | undefined;
  let superuserUrl: string | undefined;
  const roles = config.runtimeRoles;
  if (config.databaseUrl) {
    ownerUrl = config.databaseUrl;
    // Role DDL only where it is needed: none at all when both runtime URLs are given and the
    // roles exist (mode c: created by a DBA, owner without CREATEROLE).
    await withClient(ownerUrl, async (c) => {
      await ensureRuntimeRole(
        c,
        roles.tenant,
        config.appDatabaseUrl ? undefined : secrets!.appPassword,
        deriveUrl(ownerUrl, roles.tenant, secrets?.appPassword ?? ''),
      );
      await ensureRuntimeRole(
        c,
        roles.platform,
        config.platformDatabaseUrl ? undefined : secrets!.platformPassword,
        deriveUrl(ownerUrl, roles.platform, secrets?.platformPassword ?? ''),
      );
    });
  } else {
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      password: secrets!.superuserPassword,
      persistent: opts.persistent ?? true,
      // a statement's ERROR (a duplicate key the service answers 409) is the service's to report
      log: (line) => /FATAL|PANIC/.test(line) && log(`postgres: ${line}`),
    });
    superuserUrl = embedded.url;
    try {
      await withClient(embedded.url, async (c) => {
        await ensureOwnerRole(c, secrets!.ownerPassword);
        const found = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
        if (found.rowCount === 0) {
          await c.query(`CREATE DATABASE ${EMBEDDED_DB} OWNER ${OWNER_ROLE} ENCODING 'UTF8'`);
        }
        const db = new URL(embedded!.url);
        db.pathname = `/${EMBEDDED_DB}`;
        await ensureRuntimeRole(c, roles.tenant, secrets!.appPassword, deriveUrl(db.toString(), roles.tenant, secrets!.appPassword));
        await ensureRuntimeRole(c, roles.platform, secrets!.platformPassword, deriveUrl(db.toString(), roles.platform, secrets!.platformPassword));
      });
    } catch (err) {
      await embedded.stop();
      throw err;
    }
    const base = new URL(embedded.url);
    base.pathname = `/${EMBEDDED_DB}`;
    superuserUrl = base.toString();
    ownerUrl = deriveUrl(base.toString(), OWNER_ROLE, secrets!.ownerPassword);
  }

  try {
    await withClient(ownerUrl, async (c) => {
      await migrate(c, migrationsDir, log, roles);
      // the key the tenant context is signed with: TENANT_CONTEXT_KEY, or one generated here
      await ensureContextKey(c, config.tenantContext.key);
    });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }

  return {
    ownerUrl,
    tenantUrl: config.appDatabaseUrl ?? deriveUrl(ownerUrl, roles.tenant, secrets!.appPassword),
    platformUrl:
      config.platformDatabaseUrl ?? deriveUrl(ownerUrl, roles.platform, secrets!.platformPassword),
    listenUrl: config.listenDatabaseUrl,
    embedded,
    superuserUrl,
  };
}

async function ensureOwnerRole(c: pg.Client, password: string) {
  const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [OWNER_ROLE]);
  // the embedded server's own owner, set up by its superuser; the password goes as a verifier
  if (exists.rowCount === 0) {
    await c.query(`CREATE ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS ${passwordClause(c, password)}`);
  } else {
    await c.query(`ALTER ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS ${passwordClause(c, password)}`);
  }
}

/** The repository's migrations/ folder, from source (src/…) or from the build (dist/src/…). */
export function findMigrationsDir(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'migrations');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error(`migrations/ folder not found above ${import.meta.dirname}`);
}
