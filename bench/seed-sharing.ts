import type pg from 'pg';
import { contextKeyOf, signedPlatform, signedTenant } from './lib/context.js';

export interface SeedSharingOptions {
  /** tenants `<prefix>-0` … `<prefix>-<tenants-1>`, the first `platformTenants` of type platform */
  tenants: number;
  /** default: one per 1,000 tenants, at least 1, at most 10 */
  platformTenants?: number;
  /** ordinary resources in all, spread evenly over the tenants (`round(resources / tenants)` each) */
  resources: number;
  /** global resources, added on top and owned by the platform tenants in turn */
  global: number;
  /** share rows in all; `sharesPerResource` grantees per selective resource */
  shares: number;
  /** default 5 (50,000 shares → 10,000 selective resources) */
  sharesPerResource?: number;
  prefix: string;
  /** VACUUM ANALYZE the two tables afterwards (default true) */
  analyze?: boolean;
}

export interface SeedSharingResult {
  /** in subdomain order: tenantIds[n] is `<prefix>-<n>`; the platform tenants come first */
  tenantIds: string[];
  platformTenantIds: string[];
  counts: { tenants: number; resources: number; global: number; selective: number; shares: number };
  ms: number;
  /** some ordinary (non-platform) tenants with up to 10 of their resource ids */
  sample: { tenantId: string; ids: string[] }[];
}

/**
 * The sharing dataset of the issue (10,000 tenants, 1,000,000 resources, 1,000 global, 50,000
 * selective shares) built with generate_series in one transaction. `client` is an owner or
 * superuser connection; the rows are written as the platform runtime role in platform scope,
 * the way the service's own jobs write across tenants (RLS applies, no superuser shortcut).
 */
export async function seedSharing(client: pg.Client, opts: SeedSharingOptions): Promise<SeedSharingResult> {
  const started = Date.now();
  const T = opts.tenants;
  const P = Math.max(1, Math.min(T, opts.platformTenants ?? Math.min(10, Math.ceil(T / 1_000))));
  const per = Math.max(0, Math.round(opts.resources / T));
  const perShare = Math.max(1, Math.min(opts.sharesPerResource ?? 5, T - 1));
  const ordinary = per * T;
  const selective = Math.min(ordinary, Math.ceil(opts.shares / perShare));
  // every stride-th ordinary resource (in tenant, then creation order) is selective
  const stride = selective > 0 ? Math.max(1, Math.floor(ordinary / selective)) : 0;

  await client.query('BEGIN');
  try {
    const key = await contextKeyOf(client); // read before the role switch
    const scope = signedPlatform(key);
    await client.query('SET LOCAL ROLE tenancy_platform');
    await client.query("SELECT set_config('app.scope', $1, true), set_config('synchronous_commit', 'off', true)", [scope]);
    await client.query(
      `INSERT INTO tenants (subdomain, company_name, type, tier, status)
       SELECT $1 || '-' || n, 'Bench tenant ' || n, CASE WHEN n < $3 THEN 'platform' ELSE 'client' END, 'free', 'active'
         FROM generate_series(0, $2::int - 1) n`,
      [opts.prefix, T, P],
    );
    const { rows: tenants } = await client.query<{ id: string }>(
      `SELECT id FROM tenants WHERE subdomain ~ ('^' || $1 || '-[0-9]+$')
        ORDER BY substring(subdomain FROM char_length($1) + 2)::int`,
      [opts.prefix],
    );
    const ids = tenants.map((t) => t.id);
    if (ids.length !== T) throw new Error(`seedSharing: expected ${T} tenants with prefix ${opts.prefix}, found ${ids.length}`);

    // Ordinary resources: tenant n's g-th resource is g minutes old (plus n ms, so tenants interleave).
    const { rowCount: ordinaryRows } = await client.query(
      `INSERT INTO resources (tenant_id, kind, name, content, sharing_mode, created_at, updated_at)
       SELECT t.id, (ARRAY['agent','tool','prompt','workflow','knowledge_source'])[1 + g % 5], 'Resource ' || g,
              jsonb_build_object('text', repeat('lorem ipsum ', 8), 'n', g),
              CASE WHEN $3::int > 0 AND t.n >= $4::int AND ((t.n - 1) * $2::int + g) % $3::int = 0
                   THEN 'selective' ELSE 'private' END,
              now() - g * interval '1 minute' - t.n * interval '1 millisecond',
              now() - g * interval '1 minute' - t.n * interval '1 millisecond'
         FROM unnest($1::uuid[]) WITH ORDINALITY t(id, n) CROSS JOIN generate_series(1, $2::int) g`,
      [ids, per, stride, P + 1],
    );
    // Global resources: owned by the platform tenants in turn, spread over the same time range.
    const { rowCount: globalRows } = await client.query(
      `INSERT INTO resources (tenant_id, kind, name, content, sharing_mode, created_at, updated_at)
       SELECT ($1::uuid[])[1 + i % $2::int], 'agent', 'Global ' || i, jsonb_build_object('text', 'shared with everyone', 'n', i),
              'global', now() - (i * greatest($4::int, 1) / greatest($3::int, 1)) * interval '1 minute',
              now() - (i * greatest($4::int, 1) / greatest($3::int, 1)) * interval '1 minute'
         FROM generate_series(1, $3::int) i`,
      [ids.slice(0, P), P, opts.global, per],
    );
    // Shares: perShare distinct grantees per selective resource, never the owner, spread evenly.
    const step = Math.max(1, Math.ceil((T - 1) / perShare));
    await client.query(
      `INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id)
       SELECT r.tenant_id, r.id, ($1::uuid[])[1 + (o.n - 1 + 1 + (r.seq * 31 + k * $3::int) % ($2::int - 1)) % $2::int]
         FROM (SELECT tenant_id, id, row_number() OVER () AS seq FROM resources
                WHERE sharing_mode = 'selective' AND tenant_id = ANY($1)) r
         JOIN unnest($1::uuid[]) WITH ORDINALITY o(id, n) ON o.id = r.tenant_id
        CROSS JOIN generate_series(0, $4::int - 1) k
       ON CONFLICT DO NOTHING`,
      [ids, T, step, perShare],
    );
    // The platform role sees no private resource (0031): the rows written are counted by the
    // INSERTs, the shared ones here.
    const { rows: [shared] } = await client.query(
      `SELECT count(*) FILTER (WHERE sharing_mode = 'global')::int AS global,
              count(*) FILTER (WHERE sharing_mode = 'selective')::int AS selective,
              (SELECT count(*)::int FROM resource_shares WHERE tenant_id = ANY($1)) AS shares
         FROM resources WHERE tenant_id = ANY($1)`,
      [ids],
    );
    const counts = { resources: (ordinaryRows ?? 0) + (globalRows ?? 0), ...shared };
    // Each sample tenant's newest ids, read as that tenant (private ones included).
    await client.query('SET LOCAL ROLE tenancy_app');
    const sample: { tenant_id: string; ids: string[] }[] = [];
    for (const tenantId of ids.slice(P, P + 10)) {
      await client.query("SELECT set_config('app.current_tenant_id', $1, true)", [signedTenant(key, tenantId)]);
      const { rows } = await client.query<{ ids: string[] }>(
        'SELECT ARRAY(SELECT id FROM resources r WHERE r.tenant_id = $1 ORDER BY created_at DESC LIMIT 10) AS ids', [tenantId]);
      sample.push({ tenant_id: tenantId, ids: rows[0].ids });
    }
    await client.query('COMMIT');
    if (opts.analyze ?? true) await client.query('VACUUM ANALYZE tenants, resources, resource_shares');
    return {
      tenantIds: ids,
      platformTenantIds: ids.slice(0, P),
      counts: { tenants: T, ...counts },
      ms: Date.now() - started,
      sample: sample.map((s) => ({ tenantId: s.tenant_id, ids: s.ids })),
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
