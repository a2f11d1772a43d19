// Jest runs global setup outside its module mapping, so this file imports the compiled sources
// (npm test compiles first). It starts one throwaway Postgres for the whole run (or uses
// DATABASE_URL), creates the roles and migrates once; workers read TEST_* variables.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../dist/src/config/app-config.js';
import { prepareDatabase } from '../../dist/src/database/prepare-database.js';

export default async function globalSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenancy-test-'));
  chmodSync(dataDir, 0o755); // the embedded server runs as the postgres user when we are root
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir });
  const started = Date.now();
  const db = await prepareDatabase(config, { persistent: false });
  process.env.TEST_DATA_DIR = dataDir;
  process.env.TEST_OWNER_URL = db.ownerUrl;
  process.env.TEST_TENANT_URL = db.tenantUrl;
  process.env.TEST_PLATFORM_URL = db.platformUrl;
  if (db.superuserUrl) process.env.TEST_SUPERUSER_URL = db.superuserUrl;
  globalThis.__TENANCY_DB__ = db;
  console.log(
    `\n[test] Postgres ${db.embedded ? `embedded on port ${db.embedded.port}` : 'from DATABASE_URL'} ` +
      `ready and migrated in ${Date.now() - started} ms`,
  );
}
