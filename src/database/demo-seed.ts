import type { TenantService } from '../modules/tenant/tenant.service.js';
import type { DatabaseSessions } from './database-sessions.js';

/**
 * Development only: makes sure the `demo` tenant exists, with the settings a provisioned tenant
 * starts with (`defaults`, missing keys added, existing values kept), so the README's first
 * calls work.
 */
export async function seedDemoTenant(
  sessions: DatabaseSessions,
  tenants: TenantService,
  defaults: Readonly<Record<string, unknown>>,
): Promise<{ id: string; created: boolean }> {
  return sessions.runAsPlatform('seed', async () => {
    const demo = await tenants.ensureActive({ subdomain: 'demo', companyName: 'Demo Company', type: 'client', tier: 'professional' });
    await tenants.ensureDefaultSettings(demo.id, { ...defaults });
    return demo;
  });
}
