import { createUser, type TestUser } from '../helpers/auth.js';
import { asPlatform, asTenant, platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

// SQL-level probes for the auth tables, as the tenant runtime role (no app code involved).
describe('auth tables isolation at the SQL level', () => {
  let a: TestTenant;
  let b: TestTenant;
  let ua: TestUser;
  let ub: TestUser;

  beforeAll(async () => {
    a = await createTenant();
    b = await createTenant();
    ua = await createUser(a.id, { email: 'same@example.test' });
    ub = await createUser(b.id, { email: 'same@example.test' });
    await platformCommit(async (sql) => {
      for (const u of [ua, ub]) {
        await sql.query(
          `INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at)
           VALUES ($1, $2, gen_random_uuid(), md5(random()::text), now() + interval '1 day')`,
          [u.tenantId, u.id],
        );
      }
    });
  });

  it("tenant A's session cannot read B's users, by listing, by id or by email", async () => {
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query('SELECT id, tenant_id FROM users');
      expect(rows).toEqual([{ id: ua.id, tenant_id: a.id }]);
      expect((await sql.query('SELECT 1 FROM users WHERE id = $1', [ub.id])).rowCount).toBe(0);
      expect((await sql.query('SELECT id FROM users WHERE email = $1', ['same@example.test'])).rows).toEqual([{ id: ua.id }]);
      expect((await sql.query('SELECT password_hash FROM users WHERE tenant_id = $1', [b.id])).rowCount).toBe(0);
    });
  });

  it("tenant A cannot change, delete or insert users of B, nor move its own user to B", async () => {
    await asTenant(a.id, async (sql) => {
      expect((await sql.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [ub.id])).rowCount).toBe(0);
      expect((await sql.query('DELETE FROM users WHERE id = $1', [ub.id])).rowCount).toBe(0);
    });
    await asTenant(a.id, async (sql) => {
      await expect(sql.query(
        `INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, 'evil@example.test', 'x', 'admin')`, [b.id],
      )).rejects.toMatchObject({ code: '42501' });
    });
    await asTenant(a.id, async (sql) => {
      await expect(sql.query('UPDATE users SET tenant_id = $1 WHERE id = $2', [b.id, ua.id])).rejects.toMatchObject({ code: '42501' });
    });
    await asPlatform(async (sql) => {
      const { rows } = await sql.query('SELECT role FROM users WHERE id = $1', [ub.id]);
      expect(rows).toEqual([{ role: ub.role }]);
    });
  });

  it("refresh tokens: A sees and revokes only its own", async () => {
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query('SELECT DISTINCT tenant_id FROM refresh_tokens');
      expect(rows).toEqual([{ tenant_id: a.id }]);
      expect((await sql.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1', [ub.id])).rowCount).toBe(0);
    });
  });

  it('with no tenant set, users and refresh tokens are invisible', async () => {
    await asTenant(null, async (sql) => {
      expect((await sql.query('SELECT 1 FROM users')).rowCount).toBe(0);
      expect((await sql.query('SELECT 1 FROM refresh_tokens')).rowCount).toBe(0);
    });
  });

  it('the tenant role cannot read platform admins or their tokens', async () => {
    await asTenant(a.id, async (sql) => {
      await expect(sql.query('SELECT 1 FROM platform_admins')).rejects.toMatchObject({ code: '42501' });
    });
    await asTenant(a.id, async (sql) => {
      await expect(sql.query('SELECT 1 FROM platform_refresh_tokens')).rejects.toMatchObject({ code: '42501' });
    });
  });

  it("disabling a user revokes only that user's refresh tokens (trigger runs under the caller's RLS)", async () => {
    await asTenant(a.id, async (sql) => {
      await sql.query(`UPDATE users SET status = 'disabled' WHERE id = $1`, [ua.id]);
      const { rows } = await sql.query('SELECT revoked_at IS NOT NULL AS revoked FROM refresh_tokens WHERE user_id = $1', [ua.id]);
      expect(rows).toEqual([{ revoked: true }]);
    });
    await asTenant(b.id, async (sql) => {
      const { rows } = await sql.query('SELECT revoked_at FROM refresh_tokens WHERE user_id = $1', [ub.id]);
      expect(rows).toEqual([{ revoked_at: null }]);
    });
  });
});
