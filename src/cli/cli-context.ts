import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../app.module.js';
import { loadConfig, loadDotEnv } from '../config/app-config.js';
import { loadLocalSecrets } from '../database/local-secrets.js';
import { prepareDatabase } from '../database/prepare-database.js';

/**
 * The application without HTTP, for one-shot commands: same config, roles and migrations as
 * the service; the in-service purge schedule is off (the command does the work itself), and no
 * listener is opened (no HTTP server, no METRICS_PORT listener: the service may be running).
 */
export async function withCliContext(fn: (ctx: INestApplicationContext) => Promise<number>): Promise<never> {
  loadDotEnv();
  const config = loadConfig({ ...process.env, TENANT_PURGE_INTERVAL_SECONDS: '0', METRICS_PORT: '' }, (dir) => loadLocalSecrets(dir));
  const db = await prepareDatabase(config, { log: () => {} });
  let code = 1;
  try {
    const ctx = await NestFactory.createApplicationContext(AppModule.forRoot({ config, database: db }), {
      logger: ['error', 'warn'],
    });
    try {
      code = await fn(ctx);
    } finally {
      await ctx.close();
    }
  } catch (err) {
    console.error(`failed: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await db.embedded?.stop();
  }
  process.exit(code);
}
