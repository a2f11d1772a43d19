import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { loadConfig, loadDotEnv } from './config/app-config.js';
import { DatabaseSessions } from './database/database-sessions.js';
import { seedDemoTenant } from './database/demo-seed.js';
import { loadLocalSecrets } from './database/local-secrets.js';
import { prepareDatabase } from './database/prepare-database.js';
import { ensureDemoAdmin, ensurePlatformAdmin } from './modules/auth/auth-bootstrap.js';
import { PasswordService } from './modules/auth/password.service.js';

async function bootstrap() {
  const logger = new Logger('Bootstrap');
  loadDotEnv();
  const config = loadConfig(process.env, (dataDir) => loadLocalSecrets(dataDir));
  const db = await prepareDatabase(config, { log: (line) => logger.log(line) });
  if (db.embedded) logger.log(`embedded Postgres on 127.0.0.1:${db.embedded.port} (data in ${config.dataDir}/pg)`);

  let app;
  try {
    app = await createApp({ config, database: db });
  } catch (err) {
    await db.embedded?.stop();
    throw err;
  }

  const sessions = app.get(DatabaseSessions);
  const passwords = app.get(PasswordService);
  await ensurePlatformAdmin(config, sessions, passwords);
  if (config.seedDemo) {
    const demo = await seedDemoTenant(sessions);
    if (demo.created) logger.log(`seeded the demo tenant (${demo.id})`);
    await ensureDemoAdmin(demo.id, sessions, passwords);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: finishing in-flight requests`);
    await app.close();
    await db.embedded?.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
  const base = `http://localhost:${config.port}`;
  logger.log(`listening on ${base} (${config.nodeEnv})`);
  logger.log(
    `try: curl -s -X POST ${base}/v1/auth/login -H 'X-Tenant-ID: demo' -H 'content-type: application/json' ` +
      `-d '{"email":"admin@demo.local","password":"<printed above>"}'  (then GET ${base}/v1/tenant with the token)`,
  );
}

bootstrap().catch((err) => {
  // Configuration and start-up check failures are meant to be read: print the message only.
  console.error(`\nfailed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
