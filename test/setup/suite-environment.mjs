// Jest's node environment, with a database of the test file's own: a copy of the run's migrated
// template (test/helpers/test-bed.ts), made before the file's modules load and dropped after its
// last afterAll. The file's process.env (jest gives each file its own copy) carries the copy's
// URLs, so test/helpers (env.ts, db.ts, create-app.ts, cli.ts, service.ts) use it unchanged.
import nodeEnvironment from 'jest-environment-node';
import { createSuiteDatabase, dropSuiteDatabase, onDatabase } from '../../dist/test/helpers/suite-database.js';

const URLS = ['TEST_OWNER_URL', 'TEST_TENANT_URL', 'TEST_PLATFORM_URL', 'TEST_SUPERUSER_URL'];

const { TestEnvironment } = nodeEnvironment;

export default class SuiteEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    const source = process.env.TEST_BED;
    if (!source) return; // not under the global setup: env.ts says what is missing
    this.copySource = JSON.parse(source);
    this.database = await createSuiteDatabase(this.copySource);
    const env = this.global.process.env;
    for (const name of URLS) if (env[name]) env[name] = onDatabase(env[name], this.database);
    env.TEST_DATABASE = this.database;
  }

  async teardown() {
    try {
      if (this.database) await dropSuiteDatabase(this.copySource, this.database);
    } finally {
      await super.teardown();
    }
  }
}
