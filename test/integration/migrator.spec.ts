import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate, MigrationError, withRoleNames } from '../../src/database/migrator.js';
import { testEndpoints } from '../helpers/env.js';

// The runner is exercised on its own throwaway schema so the real migrations are untouched.
describe('migration runner', () => {
  const schema = `mig_${randomBytes(4).toString('hex')}`;
  let client: pg.Client;
  let dir: string;

  beforeAll(async () => {
    client = new pg.Client({ connectionString: testEndpoints().ownerUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path = ${schema}`);
    dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(dir, '0001_first.sql'), 'CREATE TABLE IF NOT EXISTS t (id int);');
    writeFileSync(join(dir, '0002_second.sql'), 'INSERT INTO t VALUES (1);');
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA ${schema} CASCADE`);
    await client.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies files in order, records checksums, and a second run is a no-op', async () => {
    expect(await migrate(client, dir)).toEqual(['0001_first.sql', '0002_second.sql']);
    expect(await migrate(client, dir)).toEqual([]);
    const { rows } = await client.query('SELECT count(*)::int AS n FROM t');
    expect(rows[0].n).toBe(1);
    const recorded = await client.query('SELECT version, checksum FROM schema_migrations ORDER BY version');
    expect(recorded.rows.map((r) => r.version)).toEqual(['0001', '0002']);
    expect(recorded.rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a landed file whose content changed, with a clear message', async () => {
    writeFileSync(join(dir, '0002_second.sql'), 'INSERT INTO t VALUES (2);');
    await expect(migrate(client, dir)).rejects.toThrow(MigrationError);
    await expect(migrate(client, dir)).rejects.toThrow(/0002_second.sql was changed after it was applied/);
    writeFileSync(join(dir, '0002_second.sql'), 'INSERT INTO t VALUES (1);');
  });

  it('runs each file in a transaction: a failing file leaves nothing behind', async () => {
    writeFileSync(join(dir, '0003_broken.sql'), 'CREATE TABLE u (id int); SELECT 1/0;');
    await expect(migrate(client, dir)).rejects.toThrow(/0003_broken.sql failed/);
    const { rows } = await client.query(`SELECT to_regclass('${schema}.u') AS u`);
    expect(rows[0].u).toBeNull();
    const applied = await client.query(`SELECT count(*)::int AS n FROM schema_migrations WHERE version = '0003'`);
    expect(applied.rows[0].n).toBe(0);
  });
});

describe('runtime role names in migrations (DATABASE_APP_ROLE / DATABASE_PLATFORM_ROLE)', () => {
  it('replaces whole identifiers only; the recorded checksum stays the file\'s', async () => {
    const sql = 'GRANT SELECT ON t TO tenancy_app, tenancy_platform; -- tenancy_app_x, xtenancy_app\nCREATE POLICY p ON t TO tenancy_app;';
    expect(withRoleNames(sql, { tenant: 'run_app', platform: 'run_platform' })).toBe(
      'GRANT SELECT ON t TO run_app, run_platform; -- tenancy_app_x, xtenancy_app\nCREATE POLICY p ON t TO run_app;',
    );
    const client = new pg.Client({ connectionString: testEndpoints().ownerUrl });
    await expect(migrate(client, '/nonexistent', () => {}, { tenant: 'Bad"Name', platform: 'x' })).rejects.toThrow(/invalid runtime role name/);
  });
});
