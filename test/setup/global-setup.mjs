// Jest runs global setup outside its module mapping, so this file imports the compiled sources
// (npm test compiles first). The run owns what it touches (test/helpers/test-bed.ts): one
// throwaway embedded Postgres, or with DATABASE_URL its own database on that server; either way
// its own runtime roles named for the run. That database, migrated once here, is only a template:
// each test file runs on its own copy (test/setup/suite-environment.mjs). Workers read TEST_*
// variables. TEST_BREAKAGE_SQL (a file) is applied to the template after migration
// (test/breakages/run.sh).
import { readFileSync } from 'node:fs';
import { createTestBed } from '../../dist/test/helpers/test-bed.js';

export default async function globalSetup() {
  const started = Date.now();
  const breakage = process.env.TEST_BREAKAGE_SQL;
  const bed = await createTestBed({
    databaseUrl: process.env.DATABASE_URL || undefined,
    breakageSql: breakage ? readFileSync(breakage, 'utf8') : undefined,
  });
  const { db } = bed;
  process.env.TEST_DATA_DIR = bed.dataDir;
  process.env.TEST_TENANT_ROLE = bed.roles.tenant;
  process.env.TEST_PLATFORM_ROLE = bed.roles.platform;
  process.env.TEST_BED = JSON.stringify(bed.copies);
  // the migrated database (not the template): what the CLI reaches from TEST_DATA_DIR
  process.env.TEST_RUN_DATABASE = new URL(db.ownerUrl).pathname.slice(1);
  // the template's URLs; suite-environment.mjs points them at the suite's copy
  process.env.TEST_OWNER_URL = db.ownerUrl;
  process.env.TEST_TENANT_URL = db.tenantUrl;
  process.env.TEST_PLATFORM_URL = db.platformUrl;
  if (db.superuserUrl) process.env.TEST_SUPERUSER_URL = db.superuserUrl;
  else if (process.env.TEST_ADMIN_URL && bed.database) {
    // a superuser of DATABASE_URL's server (test/pg-server/run.sh gives one), for test setup only,
    // pointed at the run's database like the embedded server's superuser URL
    const admin = new URL(process.env.TEST_ADMIN_URL);
    admin.pathname = `/${bed.database}`;
    process.env.TEST_SUPERUSER_URL = admin.toString();
  }
  globalThis.__TENANCY_BED__ = bed;
  console.log(
    `\n[test] Postgres ${db.embedded ? `embedded on port ${db.embedded.port}` : `from DATABASE_URL, database ${bed.database}`} ` +
      `ready and migrated in ${Date.now() - started} ms (runtime roles ${bed.roles.tenant}, ${bed.roles.platform})` +
      (breakage ? `; breakage applied: ${breakage}` : ''),
  );
}
