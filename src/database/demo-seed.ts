import type { TenantService } from '../modules/tenant/tenant.service.js';
import type { DatabaseSessions } from './database-sessions.js';

/** Development only: makes sure the `demo` tenant exists so the README's first calls work. */
export async function seedDemoTenant(sessions: DatabaseSessions, tenants: TenantService): Promise<{ id: string; created: boolean }> {
  return sessions.runAsPlatform('seed', () =>
    tenants.ensureActive({ subdomain: 'demo', companyName: 'Demo Company', type: 'client', tier: 'professional' }),
  );
}
