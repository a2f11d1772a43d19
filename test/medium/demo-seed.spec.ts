import type { INestApplicationContext } from '@nestjs/common';
import { seedDemoTenant } from '../../src/database/demo-seed.js';
import { DatabaseSessions } from '../../src/database/database-sessions.js';
import { DEFAULT_TENANT_SETTINGS } from '../../src/modules/provisioning/provisioning.service.js';
import { TenantService } from '../../src/modules/tenant/tenant.service.js';
import { asTenant, platformCommit } from '../helpers/db.js';
import { createMediumContext } from '../helpers/medium.js';

// The development seed (npm start without DATABASE_URL) on the suite's own database.
describe('the demo tenant seed (medium)', () => {
  let ctx: INestApplicationContext;
  const seed = () => seedDemoTenant(ctx.get(DatabaseSessions), ctx.get(TenantService), DEFAULT_TENANT_SETTINGS);
  const settingsOf = (id: string) =>
    asTenant(id, async (sql) => (await sql.query('SELECT settings FROM tenants WHERE id = $1', [id])).rows[0]?.settings);

  beforeAll(async () => {
    ctx = await createMediumContext();
  });
  afterAll(() => ctx.close());

  it('starts the demo tenant with the settings a provisioned tenant gets, and keeps a changed value on the next start', async () => {
    const first = await seed();
    expect(first.created).toBe(true);
    expect(await settingsOf(first.id)).toEqual(DEFAULT_TENANT_SETTINGS);

    // the tenant admin changes a setting; a restart seeds again
    await platformCommit((sql) => sql.query(`UPDATE tenants SET settings = settings || '{"locale":"de-DE"}' WHERE id = $1`, [first.id]));
    const again = await seed();
    expect(again).toEqual({ id: first.id, created: false });
    expect(await settingsOf(first.id)).toEqual({ ...DEFAULT_TENANT_SETTINGS, locale: 'de-DE' });
  });
});
