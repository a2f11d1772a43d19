import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { CredentialCipher, keyVersionOf } from '../../src/modules/registry/credential-cipher.js';
import { IntegrationsService } from '../../src/modules/registry/integrations.service.js';
import { CredentialIntegrityError } from '../../src/modules/registry/registry.errors.js';
import { bearer, createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform, platformCommit } from '../helpers/db.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';

describe('integration credentials at rest', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let app: NestFastifyApplication;
  let a: TestTenant;
  let b: TestTenant;

  const credentialsOf = (target: NestFastifyApplication, tenantId: string, name: string) =>
    target.get(DatabaseSessions).runAsTenant(tenantId, () => target.get(IntegrationsService).credentials(name));
  const put = async (target: NestFastifyApplication, t: TestTenant, name: string, credentials: Record<string, string>) => {
    const u = await createUser(t.id, { role: 'admin' });
    await request(target.getHttpServer()).put(`/v1/integrations/${name}`)
      .set(bearer(tenantToken(target, { tenantId: t.id, userId: u.id, role: 'admin' })))
      .send({ provider: 'p', credentials }).expect(200);
  };

  // The file's database is its own: rows tampered with above are removed, so the rotation below
  // must re-seal every row there is, with no failure.
  const dropTampered = (tenantId: string, names: string[]) =>
    platformCommit((sql) => sql.query('DELETE FROM integrations WHERE tenant_id = $1 AND name = ANY($2)', [tenantId, names]));
  const integrationCount = () =>
    asPlatform(async (sql) => (await sql.query('SELECT count(*)::int AS n FROM integrations')).rows[0].n as number);

  beforeAll(async () => {
    app = await createTestApp({ env: { ENCRYPTION_KEY: oldKey.toString('base64') } });
    a = await createTenant();
    b = await createTenant();
  });
  afterAll(() => app.close());

  it('decrypts for server-side use (round trip through the database)', async () => {
    await put(app, a, 'github', { token: 'ghp_round_trip' });
    expect(await credentialsOf(app, a.id, 'github')).toEqual({ token: 'ghp_round_trip' });
  });

  it('a ciphertext copied into another tenant\'s row fails to decrypt', async () => {
    await put(app, a, 'swap', { token: 'belongs-to-a' });
    await put(app, b, 'swap', { token: 'belongs-to-b' });
    // an attacker with platform-level write access moves A's sealed value into B's row
    await platformCommit((sql) => sql.query(
      `UPDATE integrations dst SET ciphertext = src.ciphertext, iv = src.iv, auth_tag = src.auth_tag, key_version = src.key_version
         FROM integrations src WHERE src.tenant_id = $1 AND src.name = 'swap' AND dst.tenant_id = $2 AND dst.name = 'swap'`,
      [a.id, b.id]));
    await expect(credentialsOf(app, b.id, 'swap')).rejects.toBeInstanceOf(CredentialIntegrityError);
    expect(await credentialsOf(app, a.id, 'swap')).toEqual({ token: 'belongs-to-a' });
    await dropTampered(b.id, ['swap']);
  });

  it('a value moved to another name of the same tenant fails too, and so does a flipped byte', async () => {
    await put(app, a, 'one', { token: 'one' });
    await put(app, a, 'two', { token: 'two' });
    await platformCommit((sql) => sql.query(
      `UPDATE integrations dst SET ciphertext = src.ciphertext, iv = src.iv, auth_tag = src.auth_tag
         FROM integrations src WHERE src.tenant_id = $1 AND src.name = 'one' AND dst.tenant_id = $1 AND dst.name = 'two'`, [a.id]));
    await expect(credentialsOf(app, a.id, 'two')).rejects.toBeInstanceOf(CredentialIntegrityError);
    await platformCommit((sql) => sql.query(
      `UPDATE integrations SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1)
        WHERE tenant_id = $1 AND name = 'one'`, [a.id]));
    await expect(credentialsOf(app, a.id, 'one')).rejects.toBeInstanceOf(CredentialIntegrityError);
    await dropTampered(a.id, ['one', 'two']);
  });

  it('keys:rotate re-seals everything under the new key while old values stay readable meanwhile', async () => {
    const t = await createTenant();
    await put(app, t, 'rot-a', { token: 'alpha' });
    await put(app, t, 'rot-b', { token: 'beta' });
    const u = await createTenant();
    await put(app, u, 'rot-c', { token: 'gamma' }); // another tenant's: rotation is not per tenant
    // the new deployment: new key current, old key still accepted
    const rotated = await createTestApp({
      env: { ENCRYPTION_KEY: newKey.toString('base64'), ENCRYPTION_KEY_PREVIOUS: oldKey.toString('base64') },
    });
    try {
      expect(await credentialsOf(rotated, t.id, 'rot-a')).toEqual({ token: 'alpha' }); // before rotation
      // every row of the suite's database: this test's three and what the tests above kept
      const total = await integrationCount();
      const result = await rotated.get(IntegrationsService).rotateKeys(1);
      expect(result).toEqual({ resealed: total, failed: 0 });
      await asPlatform(async (sql) => {
        const { rows } = await sql.query(`SELECT DISTINCT key_version FROM integrations`);
        expect(rows).toEqual([{ key_version: keyVersionOf(newKey) }]);
      });
      // nothing left to do the second time
      expect(await rotated.get(IntegrationsService).rotateKeys(1)).toEqual({ resealed: 0, failed: 0 });
      expect(rotated.get(CredentialCipher).currentVersion).toBe(keyVersionOf(newKey));
      // readable with the new key alone once the old one is dropped
      const newOnly = await createTestApp({ env: { ENCRYPTION_KEY: newKey.toString('base64') } });
      try {
        expect(await credentialsOf(newOnly, t.id, 'rot-b')).toEqual({ token: 'beta' });
        expect(await credentialsOf(newOnly, u.id, 'rot-c')).toEqual({ token: 'gamma' });
      } finally {
        await newOnly.close();
      }
    } finally {
      await rotated.close();
    }
  });
});
