import { platformCommit, uniqueSubdomain } from './db.js';

export interface TestTenant {
  id: string;
  subdomain: string;
}

/** Inserts a committed tenant as the platform role (unique subdomain, active by default). */
export async function createTenant(
  opts: { subdomain?: string; type?: string; tier?: string; status?: string } = {},
): Promise<TestTenant> {
  const subdomain = opts.subdomain ?? uniqueSubdomain();
  return platformCommit(async (sql) => {
    const { rows } = await sql.query(
      `INSERT INTO tenants (subdomain, company_name, type, tier, status)
       VALUES ($1, $2, $3, $4, $5) RETURNING id, subdomain`,
      [subdomain, `Company ${subdomain}`, opts.type ?? 'client', opts.tier ?? 'free', opts.status ?? 'active'],
    );
    return rows[0];
  });
}

export async function setTenantStatus(id: string, status: string): Promise<void> {
  await platformCommit((sql) => sql.query('UPDATE tenants SET status = $2 WHERE id = $1', [id, status]));
}
