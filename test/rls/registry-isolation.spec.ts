import { asPlatform, asTenant, platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

// SQL-level probes for the registry's tables, as the runtime roles.
describe('registry isolation at the SQL level', () => {
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    a = await createTenant();
    b = await createTenant();
    await platformCommit(async (sql) => {
      for (const t of [a, b]) {
        await sql.query(
          `INSERT INTO integrations (tenant_id, name, provider, field_names, ciphertext, iv, auth_tag, key_version)
           VALUES ($1, 'crm', 'crm', '{key}', '\\x00'::bytea, decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'), 'k-test')`,
          [t.id]);
        await sql.query(`INSERT INTO audit_logs (tenant_id, action) VALUES ($1, 'probe.entry')`, [t.id]);
        await sql.query(`INSERT INTO platform_audit_logs (action, target_tenant_id) VALUES ('probe.entry', $1)`, [t.id]);
      }
    });
  });

  it('the tenant role reads only its own registry row, never B\'s (by id or by listing)', async () => {
    await asTenant(a.id, async (sql) => {
      expect((await sql.query('SELECT id FROM tenants')).rows).toEqual([{ id: a.id }]);
      expect((await sql.query('SELECT id FROM tenants WHERE id = $1', [b.id])).rowCount).toBe(0);
      expect((await sql.query(`UPDATE tenants SET settings = '{"x":1}' WHERE id = $1`, [b.id])).rowCount).toBe(0);
    });
  });

  it('the tenant role cannot change its own status, tier or name (column grants)', async () => {
    await asTenant(a.id, async (sql) => {
      await expect(sql.query(`UPDATE tenants SET status = 'active' WHERE id = $1`, [a.id])).rejects.toMatchObject({ code: '42501' });
    });
    await asTenant(a.id, async (sql) => {
      await expect(sql.query(`UPDATE tenants SET tier = 'enterprise' WHERE id = $1`, [a.id])).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('integrations: A sees, changes and deletes only its own; cannot write into B', async () => {
    await asTenant(a.id, async (sql) => {
      expect((await sql.query('SELECT tenant_id FROM integrations')).rows).toEqual([{ tenant_id: a.id }]);
      expect((await sql.query('SELECT 1 FROM integrations WHERE tenant_id = $1', [b.id])).rowCount).toBe(0);
      expect((await sql.query(`UPDATE integrations SET provider = 'x' WHERE tenant_id = $1`, [b.id])).rowCount).toBe(0);
      expect((await sql.query('DELETE FROM integrations WHERE tenant_id = $1', [b.id])).rowCount).toBe(0);
    });
    await asTenant(a.id, async (sql) => {
      await expect(sql.query(
        `INSERT INTO integrations (tenant_id, name, provider, ciphertext, iv, auth_tag, key_version)
         VALUES ($1, 'evil', 'x', '\\x00', decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'), 'k')`, [b.id],
      )).rejects.toMatchObject({ code: '42501' });
    });
  });

  it('audit entries: A reads only its own', async () => {
    await asTenant(a.id, async (sql) => {
      const { rows } = await sql.query('SELECT DISTINCT tenant_id FROM audit_logs');
      expect(rows).toEqual([{ tenant_id: a.id }]);
    });
  });

  it('audit_logs is append-only for both runtime roles: UPDATE and DELETE are refused', async () => {
    for (const stmt of [`UPDATE audit_logs SET action = 'x.y'`, 'DELETE FROM audit_logs']) {
      await asTenant(a.id, async (sql) => {
        await expect(sql.query(stmt)).rejects.toMatchObject({ code: '42501' });
      });
      await asPlatform(async (sql) => {
        await expect(sql.query(stmt)).rejects.toMatchObject({ code: '42501' });
      });
    }
  });

  it('platform_audit_logs is append-only for the platform role and invisible to the tenant role', async () => {
    for (const stmt of [`UPDATE platform_audit_logs SET action = 'x.y'`, 'DELETE FROM platform_audit_logs']) {
      await asPlatform(async (sql) => {
        await expect(sql.query(stmt)).rejects.toMatchObject({ code: '42501' });
      });
    }
    for (const table of ['platform_audit_logs', 'idempotency_keys']) {
      await asTenant(a.id, async (sql) => {
        await expect(sql.query(`SELECT 1 FROM ${table}`)).rejects.toMatchObject({ code: '42501' });
      });
    }
  });

  it('the platform role sees nothing of these tables without the platform scope (fails closed)', async () => {
    await asPlatform(async (sql) => {
      for (const table of ['integrations', 'platform_audit_logs', 'idempotency_keys', 'audit_logs', 'tenants']) {
        expect({ table, n: (await sql.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n }).toEqual({ table, n: 0 });
      }
    }, false);
  });
});
