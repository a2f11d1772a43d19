import pg from 'pg';
import { listCountSql, listPageSql, type ListScope } from '../../src/modules/sharing/sharing.repository.js';
import { asTenant, platformCommit, uniqueSubdomain } from '../helpers/db.js';
import { testEndpoints } from '../helpers/env.js';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const walk = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(walk)];

// The listing of GET /v1/resources must plan on indexes (the speed rule); the figures at
// 1,000,000 rows come from the benchmark (bench/seed-sharing.ts, scenario 3).
describe('the sharing listing plans on indexes, never a Seq Scan on resources', () => {
  const TENANTS = 40;
  const PER_TENANT = 100;
  let tenantIds: string[] = [];
  let reader: string;

  async function asOwner<T>(fn: (sql: pg.Client) => Promise<T>): Promise<T> {
    const sql = new pg.Client({ connectionString: testEndpoints().ownerUrl });
    await sql.connect();
    try {
      return await fn(sql);
    } finally {
      await sql.end();
    }
  }

  beforeAll(async () => {
    const prefix = uniqueSubdomain('plan');
    tenantIds = await platformCommit(async (sql) => {
      const { rows } = await sql.query(
        `INSERT INTO tenants (subdomain, company_name, type, status)
         SELECT $1 || '-' || g, 'Plan ' || g, CASE WHEN g = 1 THEN 'platform' ELSE 'client' END, 'active'
           FROM generate_series(1, $2::int) g ORDER BY g RETURNING id`,
        [prefix, TENANTS],
      );
      const ids = rows.map((r) => r.id as string);
      await sql.query(
        `INSERT INTO resources (tenant_id, kind, name, sharing_mode, created_at)
         SELECT t, (ARRAY['agent','tool','prompt'])[1 + g % 3], 'r' || g,
                CASE WHEN n = 1 AND g <= 20 THEN 'global' WHEN g % 10 = 0 THEN 'selective' ELSE 'private' END,
                now() - g * interval '1 minute'
           FROM unnest($1::uuid[]) WITH ORDINALITY u(t, n) CROSS JOIN generate_series(1, $2::int) g`,
        [ids, PER_TENANT],
      );
      // every selective resource shared with three other tenants
      await sql.query(
        `INSERT INTO resource_shares (tenant_id, resource_id, grantee_tenant_id)
         SELECT r.tenant_id, r.id, ids[1 + (array_position(ids, r.tenant_id) + k) % cardinality(ids)]
           FROM resources r, (SELECT $1::uuid[] AS ids) x, generate_series(1, 3) k
          WHERE r.tenant_id = ANY($1) AND r.sharing_mode = 'selective'`,
        [ids],
      );
      return ids;
    });
    reader = tenantIds[5];
    await asOwner((sql) => sql.query('ANALYZE resources; ANALYZE resource_shares'));
  });

  afterAll(async () => {
    // the tenants take their resources and shares with them (ON DELETE CASCADE)
    await platformCommit((sql) => sql.query('DELETE FROM tenants WHERE id = ANY($1)', [tenantIds]));
  });

  async function plan(text: string, params: unknown[]): Promise<PlanNode[]> {
    return asTenant(reader, async (sql) => {
      const { rows } = await sql.query(`EXPLAIN (FORMAT JSON) ${text}`, params);
      return walk(rows[0]['QUERY PLAN'][0].Plan);
    });
  }

  const seqScansOnResources = (nodes: PlanNode[]) =>
    nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'resources');

  for (const scope of ['all', 'shared', 'own'] as ListScope[]) {
    it(`scope=${scope}: the page and the total`, async () => {
      for (const [withKind, pageParams, countParams] of [
        [false, [20, 20, 0], []],
        [true, [40, 20, 20, 'agent'], ['agent']],
      ] as const) {
        const page = await plan(listPageSql(scope, withKind), [...pageParams]);
        const count = await plan(listCountSql(scope, withKind), [...countParams]);
        expect(seqScansOnResources(page)).toEqual([]);
        expect(seqScansOnResources(count)).toEqual([]);
        const used = new Set(page.map((n) => n['Index Name']).filter(Boolean));
        if (scope !== 'shared') expect(used).toContain('resources_tenant_created_idx');
        if (scope !== 'own') expect(used).toContain('resources_global_created_idx');
      }
    });
  }

  it('the listing returns what the policies allow (the plan is not a different question)', async () => {
    await asTenant(reader, async (sql) => {
      const { rows } = await sql.query(listPageSql('all', false), [1000, 1000, 0]);
      const byRule = await sql.query(`SELECT count(*)::int AS n FROM resources WHERE tenant_id = ANY($1)`, [tenantIds]);
      expect(rows.filter((r) => tenantIds.includes(r.tenant_id))).toHaveLength(byRule.rows[0].n);
      // own 100 + 20 global + 3 shares from each of the 3 tenants before it (10 selective each)
      expect(byRule.rows[0].n).toBe(PER_TENANT + 20 + 30);
    });
  });
});
