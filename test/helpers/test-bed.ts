import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../src/config/app-config.js';
import { withRoleNames } from '../../src/database/migrator.js';
import { prepareDatabase, type PreparedDatabase } from '../../src/database/prepare-database.js';
import { dropSuiteDatabases, type SuiteCopySource } from './suite-database.js';

/**
 * What one test run owns: its own runtime roles, named for the run (`tenancy_app_t<id>`,
 * `tenancy_platform_t<id>`), and either a throwaway embedded Postgres or, with `databaseUrl`
 * (the owner of a server others may use), its own database `tenancy_test_<id>` on that server.
 * The roles that a running service uses (tenancy_app, tenancy_platform) are never created,
 * altered or joined; `dispose()` drops the database and the roles and removes the temp folder.
 * With `databaseUrl`, its role needs CREATEDB and CREATEROLE.
 *
 * The migrated database is copied once into a template no one connects to. Each test file gets
 * its own copy of that (`createSuiteDatabase`, from test/setup/suite-environment.mjs), so no
 * suite sees another's rows; the migrated database itself is only reached from DATA_DIR (test/cli).
 */
export interface TestBed {
  runId: string;
  dataDir: string;
  roles: { tenant: string; platform: string };
  /** the database created for the run (with databaseUrl) */
  database?: string;
  db: PreparedDatabase;
  /** what suites need to copy the template (handed to the workers as TEST_BED_* variables) */
  copies: SuiteCopySource;
  dispose(): Promise<void>;
}


async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'tenancy-test-bed' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createTestBed(
  opts: { databaseUrl?: string; log?: (line: string) => void; migrationsDir?: string; breakageSql?: string } = {},
): Promise<TestBed> {
  const runId = randomBytes(4).toString('hex');
  const roles = { tenant: `tenancy_app_t${runId}`, platform: `tenancy_platform_t${runId}` };
  const dataDir = mkdtempSync(join(tmpdir(), 'tenancy-test-'));
  chmodSync(dataDir, 0o755); // the embedded server runs as the postgres user when we are root
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_APP_ROLE: roles.tenant,
    DATABASE_PLATFORM_ROLE: roles.platform,
  };
  let database: string | undefined;
  const adminUrl = opts.databaseUrl;
  const cleanup = async () => {
    if (adminUrl) await dropAll(adminUrl, database, roles);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (adminUrl) {
      database = `tenancy_test_${runId}`;
      await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${database} ENCODING 'UTF8'`)).catch((err: Error) => {
        throw new Error(
          `the test run creates its own database ${database} on DATABASE_URL's server and could not ` +
            `(${err.message}): DATABASE_URL's role needs CREATEDB and CREATEROLE for the tests`,
        );
      });
      env.DATABASE_URL = withDatabase(adminUrl, database);
    }
    const db = await prepareDatabase(loadConfig(env), {
      persistent: false,
      log: opts.log,
      migrationsDir: opts.migrationsDir,
    });
    if (opts.breakageSql) {
      // test/breakages/run.sh: a deliberate hole in the migrated schema that the suites must catch
      await withClient(db.ownerUrl, (c) => c.query(withRoleNames(opts.breakageSql!, roles)));
    }
    // The template is a copy of the migrated database that nothing ever connects to, so workers
    // can copy it at any moment; the migrated database itself stays what the service and the
    // CLI reach from DATA_DIR (test/cli) without blocking a copy.
    const migrated = new URL(db.ownerUrl).pathname.slice(1);
    const template = `tenancy_test_${runId}_template`;
    const copyAdminUrl = adminUrl ?? withDatabase(db.superuserUrl!, 'postgres');
    const owner = decodeURIComponent(new URL(db.ownerUrl).username);
    await withClient(copyAdminUrl, (c) => c.query(`CREATE DATABASE ${template} TEMPLATE ${migrated} OWNER ${owner}`));
    const copies: SuiteCopySource = { runId, template, adminUrl: copyAdminUrl, ownerUrl: db.ownerUrl, roles };
    return {
      runId,
      dataDir,
      roles,
      database,
      db,
      copies,
      async dispose() {
        if (!db.embedded) await dropSuiteDatabases(copies);
        await db.embedded?.stop();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

/** Drops the run's database (waiting for its last connections to go) and roles. */
async function dropAll(adminUrl: string, database: string | undefined, roles: { tenant: string; platform: string }) {
  await withClient(adminUrl, async (c) => {
    if (database) {
      for (let attempt = 0; ; attempt++) {
        try {
          // close what is left of the run's own sessions (its roles, or the owner's)
          await c.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = $1 AND pid <> pg_backend_pid() AND pg_has_role(usesysid, 'USAGE')`,
            [database],
          ).catch(() => undefined);
          await c.query(`DROP DATABASE IF EXISTS ${database}`);
          break;
        } catch (err) {
          if (attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
    for (const role of [roles.tenant, roles.platform]) {
      await c.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });
}

