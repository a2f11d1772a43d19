import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { rowsOf } from '../../database/query-rows.js';
import { sqlState } from '../../database/pg-errors.js';
import { SubdomainTakenError } from '../registry/registry.errors.js';
import { TENANT_COLUMNS, tenantFromRow, type TenantView } from '../tenant/tenant.repository.js';

/** SQL of provisioning, run as the platform role in one platform transaction. */
@Injectable()
export class ProvisioningRepository {
  async insertTenant(t: { subdomain: string; companyName: string; type: string; tier: string }): Promise<TenantView> {
    const em = await requestContext.platformManager();
    try {
      const rows = await em.query(
        `INSERT INTO tenants (subdomain, company_name, type, tier, status)
         VALUES ($1, $2, $3, $4, 'provisioning') RETURNING ${TENANT_COLUMNS}`,
        [t.subdomain, t.companyName, t.type, t.tier],
      );
      return tenantFromRow(rows[0]);
    } catch (err) {
      if (sqlState(err) === '23505') throw new SubdomainTakenError();
      throw err;
    }
  }

  /** Adds the default keys the settings lack (existing values are kept). */
  async ensureDefaultSettings(tenantId: string, defaults: Record<string, unknown>): Promise<boolean> {
    const em = await requestContext.platformManager();
    const rows = rowsOf(await em.query(
      `UPDATE tenants SET settings = $2::jsonb || settings, updated_at = now()
        WHERE id = $1 AND NOT (settings ?& $3::text[])
        RETURNING id`,
      [tenantId, JSON.stringify(defaults), Object.keys(defaults)],
    ));
    return rows.length > 0;
  }

  /** provisioning → active; true when it changed. */
  async activate(tenantId: string): Promise<TenantView | null> {
    const em = await requestContext.platformManager();
    const rows = rowsOf(await em.query(
      `UPDATE tenants SET status = 'active', updated_at = now() WHERE id = $1 AND status = 'provisioning'
       RETURNING ${TENANT_COLUMNS}`,
      [tenantId],
    ));
    return rows[0] ? tenantFromRow(rows[0]) : null;
  }
}
