import { randomBytes } from 'node:crypto';
import pg from 'pg';

// Only pg here: test/setup/suite-environment.mjs loads this in every worker, outside jest's
// module registry, and the service's modules would keep the worker alive.

/**
 * Where suite databases come from: the migrated template's name, and a URL to run
 * `CREATE DATABASE … TEMPLATE` on. It must not be a connection to the template itself (a template
 * with connections cannot be copied): the embedded server's superuser on `postgres` (its owner
 * role has no CREATEDB), or DATABASE_URL's own role (CREATEDB, owner of the template) on its own
 * database.
 */
export interface SuiteCopySource {
  runId: string;
  template: string;
  adminUrl: string;
  ownerUrl: string;
  roles: { tenant: string; platform: string };
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

/** Connection strings like `url`, on database `database`. */
export function onDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const suitePrefix = (runId: string) => `tenancy_test_${runId}_s`;

/**
 * A copy of the template for one test file, with the database privileges a copy does not inherit
 * (migrations/0023: TEMPORARY and CREATE revoked from PUBLIC and the runtime roles). Returns its name.
 */
export async function createSuiteDatabase(src: SuiteCopySource): Promise<string> {
  const name = `${suitePrefix(src.runId)}${randomBytes(5).toString('hex')}`;
  const owner = decodeURIComponent(new URL(src.ownerUrl).username);
  await withClient(src.adminUrl, async (c) => {
    // The template is never connected to after the setup; a copy made at the same moment by
    // another worker only shares its lock. OWNER is the owner role either way.
    await c.query(`CREATE DATABASE ${name} TEMPLATE ${src.template} OWNER ${owner}`);
  });
  await withClient(onDatabase(src.ownerUrl, name), (c) =>
    c.query(`REVOKE TEMPORARY, CREATE ON DATABASE ${name} FROM PUBLIC, ${src.roles.tenant}, ${src.roles.platform}`),
  );
  return name;
}

/**
 * Drops a suite's database once its last connection is gone (the suite closes its apps and
 * clients in afterAll). Sessions a suite left open are ended where the admin may (the run's own
 * roles); what still cannot be dropped is left to the run's dispose(), after the workers exit.
 */
export async function dropSuiteDatabase(src: SuiteCopySource, name: string): Promise<void> {
  await withClient(src.adminUrl, async (c) => {
    const open = async () =>
      (await c.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name])).rows[0].n as number;
    const deadline = Date.now() + 5_000;
    while ((await open()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await c.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND pg_has_role(usesysid, 'USAGE')`,
      [name],
    );
    const gone = Date.now() + 5_000;
    while ((await open()) > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
    await c.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
  });
}

/** The run's template and every suite database still there (a worker that died). */
export async function dropSuiteDatabases(src: SuiteCopySource): Promise<void> {
  await withClient(src.adminUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT datname FROM pg_database WHERE starts_with(datname, $1) OR datname = $2`,
      [suitePrefix(src.runId), src.template],
    );
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname}`);
  });
}
