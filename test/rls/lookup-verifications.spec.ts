import { randomUUID } from 'node:crypto';
import { asTenant, type Sql } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';
import { FIND_VISIBLE_SQL } from '../../src/modules/sharing/sharing.repository.js';

interface PlanNode {
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'Actual Loops'?: number;
  Output?: string[];
  Filter?: string;
  Plans?: PlanNode[];
}

/** How many times the statement's plan evaluated the verifying function (executed init- and sub-plans that call it). */
async function verifications(sql: Sql, text: string, params: unknown[]): Promise<number> {
  const { rows } = await sql.query(`EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, FORMAT JSON) ${text}`, params);
  let n = 0;
  const walk = (node: PlanNode) => {
    const sub = node['Parent Relationship'] === 'InitPlan' || node['Parent Relationship'] === 'SubPlan';
    if (sub && (node.Output ?? []).some((o) => /verified_context|current_tenant_id/.test(o))) n += node['Actual Loops'] ?? 0;
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(rows[0]['QUERY PLAN'][0].Plan);
  return n;
}

// The signed context costs a MAC per verification (migration 0030): the lookup by id, the hot
// path, evaluates it once, for the policy; its own columns take the request's tenant as a
// parameter (FIND_VISIBLE_SQL).
describe('the lookup by id verifies the signed context once', () => {
  it('once for the policy, whatever the row; not at all when there is no row', async () => {
    const a = await createTenant();
    const counts = await asTenant(a.id, async (sql) => {
      const own = async (mode: string) =>
        (await sql.query(
          `INSERT INTO resources (tenant_id, kind, name, content, sharing_mode) VALUES (app.current_tenant_id(), 'agent', 'n', '{}', $1) RETURNING id`,
          [mode],
        )).rows[0].id as string;
      const count = (id: string) => verifications(sql, FIND_VISIBLE_SQL, [id, a.id]);
      const found = (await sql.query(FIND_VISIBLE_SQL, [await own('private'), a.id])).rows;
      expect(found).toEqual([expect.objectContaining({ tenant_id: a.id, owned: true })]);
      return {
        private: await count(await own('private')),
        selective: await count(await own('selective')),
        missing: await count(randomUUID()),
      };
    });
    // it was 3 when FIND_VISIBLE_SQL named `(SELECT app.current_tenant_id())` in its own columns
    // (each one an init-plan of its own), 2 when it read it once through a materialized CTE
    expect(counts).toEqual({ private: 1, selective: 1, missing: 0 });
  });
});
