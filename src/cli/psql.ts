import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import { loadConfig, loadDotEnv } from '../config/app-config.js';
import { loadLocalSecrets } from '../database/local-secrets.js';
import { prepareDatabase } from '../database/prepare-database.js';
import { createContextSigner } from '../database/tenant-context.js';

// `npm run db:psql -- <subdomain> [psql arguments…]`: psql as the tenant runtime role (tenancy_app),
// connected like the service (the embedded server of DATA_DIR, started for the session when the
// service is not running, or APP_DATABASE_URL / the role derived from DATABASE_URL), with
// app.current_tenant_id set to the tenant's id. Row-level security then shows this session
// exactly what the API shows that tenant.
//
// The tenant is set for the whole session (PGOPTIONS `-c app.current_tenant_id=<signed value>`),
// where the service sets it per transaction (set_config(…, true)). That is fine here: the
// connection is psql's own and lives only as long as the session; it never returns to a pool.
// The value is signed like the service's (the key read by the owner, who runs this command
// anyway), with a session-long expiry instead of a few seconds.
const SESSION_TTL_MS = 12 * 3600_000;

const MISSING_PSQL = `psql was not found on PATH. Install the PostgreSQL client:
  Debian/Ubuntu: sudo apt-get install postgresql-client
  macOS:         brew install libpq && brew link --force libpq`;

function usage(message?: string): never {
  if (message) console.error(message);
  console.error('usage: npm run db:psql -- <tenant subdomain> [psql arguments, e.g. -c "select count(*) from resources"]');
  process.exit(2);
}

const [subdomain, ...psqlArgs] = process.argv.slice(2);
if (!subdomain || subdomain.startsWith('-')) usage('the tenant subdomain comes first');
const probe = spawnSync('psql', ['--version'], { stdio: 'ignore' });
if (probe.error) {
  console.error(MISSING_PSQL);
  process.exit(127);
}

loadDotEnv();
const config = loadConfig({ ...process.env, METRICS_PORT: '' }, (dir) => loadLocalSecrets(dir));
const db = await prepareDatabase(config, { log: () => {} }).catch((err: unknown) => {
  console.error(`cannot reach the database: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

let code = 1;
try {
  const client = new pg.Client({ connectionString: db.tenantUrl, application_name: 'tenancy-psql' });
  await client.connect();
  let tenant: { id: string; subdomain: string; status: string } | undefined;
  try {
    // the same SECURITY DEFINER lookup the service resolves tenants with (active or suspended)
    [tenant] = (await client.query('SELECT id, subdomain, status FROM app.resolve_tenant($1)', [subdomain.toLowerCase()])).rows;
  } finally {
    await client.end();
  }
  if (!tenant) {
    console.error(`no tenant with subdomain ${subdomain}`);
  } else {
    const url = new URL(db.tenantUrl);
    const context = (await createContextSigner(config, db.ownerUrl)).tenant(tenant.id, SESSION_TTL_MS);
    if (process.stdout.isTTY) {
      console.error(`psql as ${decodeURIComponent(url.username)} for tenant ${tenant.subdomain} (${tenant.id}, ${tenant.status})`);
    }
    // psql handles Ctrl-C itself (cancels the running query); this process must outlive it to
    // stop the embedded server it started, so SIGINT is ignored here while psql runs.
    process.removeAllListeners('SIGINT');
    process.on('SIGINT', () => {});
    const child = spawn('psql', psqlArgs, {
      stdio: 'inherit',
      env: {
        ...process.env,
        PGHOST: url.hostname,
        PGPORT: url.port || '5432',
        PGDATABASE: decodeURIComponent(url.pathname.slice(1)),
        PGUSER: decodeURIComponent(url.username),
        PGPASSWORD: decodeURIComponent(url.password),
        PGAPPNAME: 'tenancy-psql',
        PGOPTIONS: `${process.env.PGOPTIONS ?? ''} -c app.current_tenant_id=${context}`.trim(),
        // sslmode etc. from the URL's query, as libpq's own variables
        ...Object.fromEntries(
          [...url.searchParams].filter(([k]) => k === 'sslmode').map(([, v]) => ['PGSSLMODE', v]),
        ),
      },
    });
    code = await new Promise<number>((ok) => child.once('exit', (c, signal) => ok(c ?? (signal ? 1 : 0))));
  }
} catch (err) {
  console.error(`failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await db.embedded?.stop();
}
process.exit(code);
