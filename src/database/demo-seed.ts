import type { DatabaseSessions } from './database-sessions.js';
import { requestContext } from '../common/request-context.js';

/** Development only: makes sure the `demo` tenant exists so the README's first calls work. */
export async function seedDemoTenant(sessions: DatabaseSessions): Promise<{ id: string; created: boolean }> {
  return sessions.runAsPlatform('seed', async () => {
    const em = await requestContext.platformManager();
    const inserted = await em.query(
      `INSERT INTO tenants (subdomain, company_name, type, tier, status)
       VALUES ('demo', 'Demo Company', 'client', 'professional', 'active')
       ON CONFLICT (subdomain) DO NOTHING RETURNING id`,
    );
    if (inserted[0]) return { id: inserted[0].id, created: true };
    const [row] = await em.query(`SELECT id FROM tenants WHERE subdomain = 'demo'`);
    return { id: row.id, created: false };
  });
}
