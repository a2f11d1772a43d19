import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import type { DatabaseEndpoints } from './database.tokens.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';
import { loadLocalSecrets } from './local-secrets.js';
import { migrate } from './migrator.js';
import { deriveUrl, ensureRuntimeRole, PLATFORM_ROLE, TENANT_ROLE } from './roles.js';

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
 * DATABASE_URL is given, the runtime roles, and the migrations. Returns the three connection
 * strings. Idempotent: safe on every start and from several instances at once.
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
  if (config.databaseUrl) {
    ownerUrl = config.databaseUrl;
    await withClient(ownerUrl, async (c) => {
      await ensureRuntimeRole(c, TENANT_ROLE, config.appDatabaseUrl ? undefined : secrets!.appPassword);
      await ensureRuntimeRole(
        c,
        PLATFORM_ROLE,
        config.platformDatabaseUrl ? undefined : secrets!.platformPassword,
      );
    });
  } else {
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      password: secrets!.superuserPassword,
      persistent: opts.persistent ?? true,
      log: (line) => /FATAL|PANIC|ERROR/.test(line) && log(`postgres: ${line}`),
    });
    superuserUrl = embedded.url;
    try {
      await withClient(embedded.url, async (c) => {
        await ensureOwnerRole(c, secrets!.ownerPassword);
        const db = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DB]);
        if (db.rowCount === 0) {
          await c.query(`CREATE DATABASE ${EMBEDDED_DB} OWNER ${OWNER_ROLE} ENCODING 'UTF8'`);
        }
        await ensureRuntimeRole(c, TENANT_ROLE, secrets!.appPassword);
        await ensureRuntimeRole(c, PLATFORM_ROLE, secrets!.platformPassword);
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
    await withClient(ownerUrl, (c) => migrate(c, migrationsDir, log));
  } catch (err) {
    await embedded?.stop();
    throw err;
  }

  return {
    ownerUrl,
    tenantUrl: config.appDatabaseUrl ?? deriveUrl(ownerUrl, TENANT_ROLE, secrets!.appPassword),
    platformUrl:
      config.platformDatabaseUrl ?? deriveUrl(ownerUrl, PLATFORM_ROLE, secrets!.platformPassword),
    listenUrl: config.listenDatabaseUrl,
    embedded,
    superuserUrl,
  };
}

async function ensureOwnerRole(c: pg.Client, password: string) {
  const exists = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [OWNER_ROLE]);
  if (exists.rowCount === 0) await c.query(`CREATE ROLE ${OWNER_ROLE} LOGIN`);
  await c.query(
    `ALTER ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD ${c.escapeLiteral(password)}`,
  );
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
