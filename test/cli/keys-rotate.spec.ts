import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { keyVersionOf } from '../../src/modules/registry/credential-cipher.js';
import { IntegrationsService } from '../../src/modules/registry/integrations.service.js';
import { bearer, createUser, tenantToken } from '../helpers/auth.js';
import { runCli } from '../helpers/cli.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';

describe('npm run keys:rotate (child process)', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('re-seals the stored credentials under the new key; the new key alone then reads them', async () => {
    const app: NestFastifyApplication = await createTestApp({ env: { ENCRYPTION_KEY: oldKey.toString('base64') } });
    const t = await createTenant();
    try {
      const admin = await createUser(t.id, { role: 'admin' });
      for (const [name, token] of [['cli-a', 'alpha'], ['cli-b', 'beta']]) {
        await request(app.getHttpServer()).put(`/v1/integrations/${name}`)
          .set(bearer(tenantToken(app, { tenantId: t.id, userId: admin.id, role: 'admin' })))
          .send({ provider: 'p', credentials: { token } }).expect(200);
      }
    } finally {
      await app.close();
    }
    const versions = () => asPlatform(async (sql) =>
      (await sql.query('SELECT DISTINCT key_version FROM integrations WHERE tenant_id = $1', [t.id])).rows.map((r) => r.key_version));
    expect(await versions()).toEqual([keyVersionOf(oldKey)]);

    const run = await runCli('rotate-keys', [], {
      env: { ENCRYPTION_KEY: newKey.toString('base64'), ENCRYPTION_KEY_PREVIOUS: oldKey.toString('base64') },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`current key version ${keyVersionOf(newKey)}: 2 credential(s) re-sealed, 0 failed`);
    expect(await versions()).toEqual([keyVersionOf(newKey)]);

    const newOnly = await createTestApp({ env: { ENCRYPTION_KEY: newKey.toString('base64') } });
    try {
      const read = (name: string) =>
        newOnly.get(DatabaseSessions).runAsTenant(t.id, () => newOnly.get(IntegrationsService).credentials(name));
      expect(await read('cli-a')).toEqual({ token: 'alpha' });
      expect(await read('cli-b')).toEqual({ token: 'beta' });
    } finally {
      await newOnly.close();
    }
  });
});
