import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { bearer, createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, asTenant } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

describe('tenant admin: settings, stats, integrations, audit trail', () => {
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;
  let adminA: Record<string, string>;
  let memberA: Record<string, string>;
  let adminB: Record<string, string>;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    app = await createTestApp();
    a = await createTenant();
    b = await createTenant();
    const ua = await createUser(a.id, { role: 'admin' });
    const ma = await createUser(a.id, { role: 'member' });
    const ub = await createUser(b.id, { role: 'admin' });
    adminA = bearer(tenantToken(app, { tenantId: a.id, userId: ua.id, role: 'admin' }));
    memberA = bearer(tenantToken(app, { tenantId: a.id, userId: ma.id, role: 'member' }));
    adminB = bearer(tenantToken(app, { tenantId: b.id, userId: ub.id, role: 'admin' }));
  });
  afterAll(() => app.close());

  describe('PATCH /v1/tenant/settings', () => {
    it('merges (RFC 7396: null removes), answers the tenant and audits', async () => {
      await http().patch('/v1/tenant/settings').set(adminA).send({ settings: { theme: 'dark', nav: { compact: true, x: 1 } } }).expect(200);
      const res = await http().patch('/v1/tenant/settings').set(adminA).send({ settings: { theme: null, nav: { x: null }, lang: 'de' } }).expect(200);
      expect(res.body).toMatchObject({ id: a.id, settings: { nav: { compact: true }, lang: 'de' } });
      expect(res.body.settings.theme).toBeUndefined();
      const got = await http().get('/v1/tenant').set(adminA).expect(200);
      expect(got.body.settings).toEqual(res.body.settings);
      await asTenant(a.id, async (sql) => {
        const { rows } = await sql.query(`SELECT actor_id, action, detail FROM audit_logs WHERE action = 'tenant.settings_updated' ORDER BY created_at`);
        expect(rows).toHaveLength(2);
        expect(rows[1].detail).toEqual({ keys: ['theme', 'nav', 'lang'] });
      });
      // B is untouched
      expect((await http().get('/v1/tenant').set(adminB).expect(200)).body.settings.lang).toBeUndefined();
    });

    it('validates: object only, size limit, unknown fields; member is forbidden', async () => {
      for (const body of [{}, { settings: [] }, { settings: 'x' }, { settings: null }, { settings: { big: 'x'.repeat(33 * 1024) } },
        { settings: {}, extra: 1 }]) {
        const res = await http().patch('/v1/tenant/settings').set(adminA).send(body).expect(400);
        expect(res.body.code).toBe('validation_failed');
      }
      const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } };
      await http().patch('/v1/tenant/settings').set(adminA).send({ settings: deep }).expect(400);
      expect((await http().patch('/v1/tenant/settings').set(memberA).send({ settings: { a: 1 } }).expect(403)).body.code).toBe('forbidden');
    });

    it('refuses a merged result over the limit and writes nothing', async () => {
      const t = await createTenant();
      const u = await createUser(t.id, { role: 'admin' });
      const tok = bearer(tenantToken(app, { tenantId: t.id, userId: u.id, role: 'admin' }));
      await http().patch('/v1/tenant/settings').set(tok).send({ settings: { one: 'x'.repeat(20_000) } }).expect(200);
      await http().patch('/v1/tenant/settings').set(tok).send({ settings: { two: 'y'.repeat(20_000) } }).expect(400);
      const now = (await http().get('/v1/tenant').set(tok).expect(200)).body.settings;
      expect(Object.keys(now)).toEqual(['one']);
      await asTenant(t.id, async (sql) => {
        expect((await sql.query(`SELECT count(*)::int AS n FROM audit_logs`)).rows[0].n).toBe(1);
      });
    });
  });

  it('GET /v1/tenant/stats counts this tenant only', async () => {
    const t = await createTenant();
    const u = await createUser(t.id, { role: 'admin' });
    await createUser(t.id);
    const tok = bearer(tenantToken(app, { tenantId: t.id, userId: u.id, role: 'admin' }));
    await http().patch('/v1/tenant/settings').set(tok).send({ settings: { a: 1 } }).expect(200);
    // t owns two resources; b shares two with t and keeps one private
    for (const name of ['one', 'two']) {
      await http().post('/v1/resources').set(tok).send({ kind: 'prompt', name, content: {} }).expect(201);
    }
    for (const [name, mode] of [['s1', 'selective'], ['s2', 'selective'], ['p', 'private']]) {
      const sharing = mode === 'selective' ? { mode, tenants: [t.subdomain] } : { mode };
      await http().post('/v1/resources').set(adminB).send({ kind: 'tool', name, content: {}, sharing }).expect(201);
    }
    const res = await http().get('/v1/tenant/stats').set(tok).expect(200);
    expect(res.body).toEqual({ users: 2, resources: 2, sharedWithMe: 2, auditEntries: 3 });
    await http().get('/v1/tenant/stats').set(memberA).expect(403);
  });

  describe('/v1/integrations', () => {
    const secret = 'sk_live_THIS-IS-THE-SECRET-0123456789';

    it('stores, lists, reads and deletes without ever answering a secret', async () => {
      const put = await http().put('/v1/integrations/stripe').set(adminA)
        .send({ provider: 'stripe', credentials: { apiKey: secret, accountId: 'acct_1' } }).expect(200);
      expect(put.body).toEqual({ name: 'stripe', provider: 'stripe', fields: ['accountId', 'apiKey'], createdAt: expect.any(String), updatedAt: expect.any(String) });
      expect(JSON.stringify(put.body)).not.toContain(secret);
      const list = await http().get('/v1/integrations').set(adminA).expect(200);
      expect(list.body).toEqual([put.body]);
      expect((await http().get('/v1/integrations/stripe').set(adminA).expect(200)).body).toEqual(put.body);
      // replace
      const again = await http().put('/v1/integrations/stripe').set(adminA).send({ provider: 'stripe', credentials: { apiKey: 'rotated' } }).expect(200);
      expect(again.body.fields).toEqual(['apiKey']);
      // B sees nothing of A's
      expect((await http().get('/v1/integrations').set(adminB).expect(200)).body).toEqual([]);
      expect((await http().get('/v1/integrations/stripe').set(adminB).expect(404)).body.code).toBe('resource_not_found');
      await http().delete('/v1/integrations/stripe').set(adminB).expect(404);

      await http().delete('/v1/integrations/stripe').set(adminA).expect(204);
      await http().delete('/v1/integrations/stripe').set(adminA).expect(404);
      await asTenant(a.id, async (sql) => {
        const { rows } = await sql.query(`SELECT action, detail FROM audit_logs WHERE target_type = 'integration' ORDER BY created_at`);
        expect(rows.map((r) => r.action)).toEqual(['integration.saved', 'integration.saved', 'integration.deleted']);
        expect(JSON.stringify(rows)).not.toContain(secret);
      });
    });

    it('the database never holds the secret in clear', async () => {
      await http().put('/v1/integrations/mail').set(adminA).send({ provider: 'sendgrid', credentials: { apiKey: secret } }).expect(200);
      await asPlatform(async (sql) => {
        const { rows } = await sql.query(
          `SELECT i::text AS raw, encode(ciphertext, 'escape') AS esc, encode(ciphertext, 'hex') AS hex, key_version
             FROM integrations i WHERE tenant_id = $1 AND name = 'mail'`, [a.id]);
        expect(rows).toHaveLength(1);
        for (const col of ['raw', 'esc', 'hex']) expect(rows[0][col]).not.toContain(secret);
        expect(rows[0].hex).not.toContain(Buffer.from(secret).toString('hex'));
        expect(rows[0].key_version).toMatch(/^k-[0-9a-f]{16}$/);
      });
    });

    it('validates name, provider and credentials; member is forbidden', async () => {
      const ok = { provider: 'x', credentials: { k: 'v' } };
      for (const [name, body] of [
        ['Bad_Name', ok], ['a', ok], ['x'.repeat(41), ok],
        ['good', { provider: 'x' }], ['good', { provider: 'x', credentials: {} }], ['good', { provider: 'x', credentials: { k: { nested: 1 } } }],
        ['good', { provider: 'x', credentials: ['a'] }], ['good', { provider: 'BAD PROVIDER', credentials: { k: 'v' } }],
        ['good', { ...ok, extra: true }], ['good', { provider: 'x', credentials: { k: 'x'.repeat(9000) } }],
      ] as const) {
        const res = await http().put(`/v1/integrations/${name}`).set(adminA).send(body).expect(400);
        expect(res.body.code).toBe('validation_failed');
      }
      await http().get('/v1/integrations').set(memberA).expect(403);
      await http().put('/v1/integrations/good').set(memberA).send(ok).expect(403);
    });
  });

  it('GET /v1/audit-logs pages this tenant\'s entries only, with an action filter', async () => {
    const t = await createTenant();
    const u = await createUser(t.id, { role: 'admin' });
    const tok = bearer(tenantToken(app, { tenantId: t.id, userId: u.id, role: 'admin' }));
    for (let i = 0; i < 3; i++) await http().patch('/v1/tenant/settings').set(tok).send({ settings: { i } }).expect(200);
    await http().put('/v1/integrations/slack').set(tok).send({ provider: 'slack', credentials: { token: 't' } }).expect(200);
    const res = await http().get('/v1/audit-logs').query({ limit: 2, page: 1 }).set(tok).expect(200);
    expect(res.body).toMatchObject({ page: 1, limit: 2, total: 4 });
    expect(res.body.items[0]).toMatchObject({ action: 'integration.saved', actorId: u.id, targetId: 'slack', requestId: expect.any(String) });
    const filtered = await http().get('/v1/audit-logs').query({ action: 'tenant.settings_updated' }).set(tok).expect(200);
    expect(filtered.body.total).toBe(3);
    const other = await http().get('/v1/audit-logs').set(adminB).expect(200);
    expect(other.body.items.every((e: { actorId: string }) => e.actorId !== u.id)).toBe(true);
    await http().get('/v1/audit-logs').query({ limit: 0 }).set(tok).expect(400);
    await http().get('/v1/audit-logs').set(memberA).expect(403);
  });
});
