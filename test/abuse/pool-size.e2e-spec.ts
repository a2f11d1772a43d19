import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { createTestApp } from '../helpers/create-app.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { runtimePool } from '../../src/database/runtime-pool.js';

// pg-pool keeps its configuration in `options` (its documented constructor argument)
const poolMax = (ds: DataSource) => (runtimePool(ds) as unknown as { options: { max: number } }).options.max;

// `npm run test:pool1` runs the auth, registry and sharing suites with one connection per pool
// (issue 11, item 1); this checks that the apps those suites build really get that pool.
describe('the test bed honours TEST_DB_POOL_SIZE', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => (app = await createTestApp()));
  afterAll(() => app.close());

  it('sizes both runtime pools from it', () => {
    const sessions = app.get(DatabaseSessions);
    const size = Number(process.env.TEST_DB_POOL_SIZE ?? 10);
    expect(poolMax(sessions.tenantDataSource)).toBe(size);
    expect(poolMax(sessions.platformDataSource)).toBe(Math.max(1, Math.ceil(size / 2)));
  });
});
