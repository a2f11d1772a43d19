import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import type { DatabaseEndpoints } from '../../src/database/database.tokens.js';
import { checkAnswersAgainstContract } from './contract.js';
import { testConfig, testEndpoints } from './env.js';

export interface TestAppOptions {
  env?: Record<string, string>;
  database?: Partial<DatabaseEndpoints>;
  extraModules?: DynamicModule['imports'];
}

/**
 * The real application on the test database, ready for supertest (`app.getHttpServer()`). Every
 * answer it gives is checked against its OpenAPI document; close() fails on one that is not as
 * documented (test/helpers/contract.ts).
 */
export async function createTestApp(opts: TestAppOptions = {}): Promise<NestFastifyApplication> {
  const app = await createApp({
    config: testConfig(opts.env),
    database: { ...testEndpoints(), ...opts.database },
    logger: false,
    extraModules: opts.extraModules,
  });
  checkAnswersAgainstContract(app);
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
