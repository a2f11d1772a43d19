import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { requestContext } from '../../src/common/request-context.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { statementName } from '../../src/database/prepared-statements.js';
import { createTestApp } from '../helpers/create-app.js';
import { platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

describe('statement names', () => {
  it('names a parameterised text by its content', () => {
    const a = statementName('SELECT id FROM users WHERE id = $1');
    expect(a).toMatch(/^tq_[A-Za-z0-9_-]{24}$/);
    expect(statementName('SELECT id FROM users WHERE id = $1')).toBe(a);
    expect(statementName('SELECT id FROM users WHERE email = $1')).not.toBe(a);
  });

  it('leaves statements whose columns follow the table unnamed (they would break after a migration)', () => {
    expect(statementName('SELECT * FROM users WHERE id = $1')).toBeNull();
    expect(statementName('select u.* from users u where id = $1')).toBeNull();
    expect(statementName('UPDATE users SET role = $2 WHERE id = $1 RETURNING *')).toBeNull();
    expect(statementName('SELECT count(*)::int AS n FROM users WHERE role = $1')).not.toBeNull();
  });
});

// One cached (generic) plan serves every tenant: the tenant comes from the policy's init-plan
// at execution, never from the plan. A single pooled connection alternates tenants through the
// same prepared statement, well past the point where Postgres switches to the generic plan.
describe('prepared statements under RLS on one pooled connection', () => {
  let app: NestFastifyApplication;
  let tenants: TestTenant[];
  const marker = `prep-${randomUUID()}`;

  beforeAll(async () => {
    app = await createTestApp({ env: { DB_POOL_SIZE: '1' } });
    tenants = await Promise.all(Array.from({ length: 6 }, () => createTenant()));
    await platformCommit(async (sql) => {
      for (const t of tenants) {
        for (let i = 0; i < 3; i++) {
          await sql.query(`INSERT INTO audit_logs (tenant_id, action, target_id) VALUES ($1, 'probe.prepared', $2)`, [
            t.id,
            `${marker}-${i}`,
          ]);
        }
      }
    });
  });
  afterAll(() => app.close());

  it('answers each tenant with its own rows only, from a generic plan', async () => {
    const sessions = app.get(DatabaseSessions);
    const text = 'SELECT tenant_id FROM audit_logs WHERE target_id LIKE $1';
    let wrong = 0;
    let checked = 0;
    for (let round = 0; round < 8; round++) {
      for (const t of tenants) {
        const rows = await sessions.runAsTenant(t.id, async () => (await requestContext.tenantManager()).query(text, [`${marker}%`]));
        expect(rows).toHaveLength(3);
        checked += rows.length;
        wrong += rows.filter((r: { tenant_id: string }) => r.tenant_id !== t.id).length;
      }
    }
    const [stmt] = await sessions.runAsTenant(tenants[0].id, async () =>
      (await requestContext.tenantManager()).query(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1`,
        [statementName(text)],
      ),
    );
    console.log(`[prepared] ${checked} rows from 6 tenants through one statement (${stmt.generic_plans} generic plans), ${wrong} wrong`);
    // when Postgres switches to the generic plan is its cost-based choice (after 5 custom plans)
    expect(Number(stmt.generic_plans)).toBeGreaterThan(0);
    expect(wrong).toBe(0);
  });
});
