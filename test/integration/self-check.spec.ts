import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { deriveUrl } from '../../src/database/roles.js';
import { createTestApp } from '../helpers/create-app.js';
import { testEndpoints, testRoles } from '../helpers/env.js';

// Setting up a role with BYPASSRLS needs a superuser: the embedded server's (or DATABASE_URL's).
const adminUrl = () => testEndpoints().superuserUrl ?? testEndpoints().ownerUrl;

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe('start-up self-check', () => {
  const role = `tenancy_probe_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');

  beforeAll(() =>
    admin(async (c) => {
      await c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE ${testRoles().tenant}`);
    }),
  );
  afterAll(() =>
    admin(async (c) => {
      await c.query(`DROP OWNED BY ${role}`);
      await c.query(`DROP ROLE ${role}`);
    }),
  );

  const boot = () =>
    createTestApp({ database: { tenantUrl: deriveUrl(testEndpoints().tenantUrl, role, password) } });

  it('boots with a plain member of the tenant role', async () => {
    const app = await boot();
    await app.close();
  });

  it('refuses to boot when the tenant runtime role has BYPASSRLS', async () => {
    await admin((c) => c.query(`ALTER ROLE ${role} BYPASSRLS`));
    try {
      await expect(boot()).rejects.toThrow(/Refusing to start: the tenant runtime role .* has BYPASSRLS/);
      // and says what to run
      await expect(boot()).rejects.toThrow(new RegExp(`To fix, run: ALTER ROLE "${role}" NOBYPASSRLS;`));
    } finally {
      await admin((c) => c.query(`ALTER ROLE ${role} NOBYPASSRLS`));
    }
  });

  it('refuses to boot when the tenant runtime role is a superuser', async () => {
    await admin((c) => c.query(`ALTER ROLE ${role} SUPERUSER`));
    try {
      await expect(boot()).rejects.toThrow(/is a superuser/);
      await expect(boot()).rejects.toThrow(new RegExp(`To fix, run: ALTER ROLE "${role}" NOSUPERUSER;`));
    } finally {
      await admin((c) => c.query(`ALTER ROLE ${role} NOSUPERUSER`));
    }
  });

  it('refuses to boot when the tenant runtime role owns a table', async () => {
    const table = `${role}_owned`;
    await admin(async (c) => {
      await c.query(`CREATE TABLE ${table} (id int)`);
      await c.query(`ALTER TABLE ${table} OWNER TO ${role}`);
    });
    try {
      await expect(boot()).rejects.toThrow(/owns 1 table/);
    } finally {
      await admin((c) => c.query(`DROP TABLE ${table}`));
    }
  });
});
