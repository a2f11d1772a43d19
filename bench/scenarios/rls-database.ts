import pg from 'pg';
import { alternate } from '../lib/ab.js';
import { comparison, statusOf } from '../lib/compare.js';
import { benchContextKey, signedTenant } from '../lib/context.js';
import { benchPool, withClient } from '../lib/database.js';
import { dbLoad, type Unit } from '../lib/db-load.js';
import { resourceDataset } from '../lib/resources-data.js';
import { NotRunError, type Comparison, type Scenario } from '../lib/types.js';
import type { ContextKey } from '../../src/database/tenant-context.js';

const COLS = 'id, tenant_id, kind, name, content, sharing_mode, created_at, updated_at';
// The service's statement; its value is the signed context (src/database/tenant-context.ts),
// signed per transaction as the service does.
const SET_TENANT = "SELECT set_config('app.current_tenant_id', $1, true)";
const LOOKUPS_PER_TX = 10;

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];

/**
 * 2. RLS in the database: the same indexed lookups as the tenant runtime role under the
 * policies vs the BYPASSRLS baseline role with an explicit WHERE tenant_id = $1.
 * Main figure: the policy's own cost (context set once per transaction of 10 lookups).
 * Also reported: a transaction per lookup, the way a request does it (round trips included).
 */
export const rlsDatabase: Scenario = {
  id: 2,
  title: 'RLS in the database',
  target: 'policy vs explicit WHERE, lookups/s ratio ≥ 0.9 (10,000 tenants, 1,000,000 resources)',
  async run(ctx) {
    if (!ctx.cluster.baseline.ok) throw new NotRunError(ctx.cluster.baseline.reason);
    const data = await resourceDataset(ctx);
    const db = ctx.cluster.main;
    const baselineUrl = await ctx.cluster.baselineUrl(db);
    const workers = ctx.opts.dbWorkers;
    const rls = benchPool({ connectionString: db.tenantUrl, max: workers, pipeline: true });
    const base = benchPool({ connectionString: baselineUrl, max: workers, pipeline: true });
    const sample = data.sample.filter((s) => s.ids?.length);
    const key = await benchContextKey(db.ownerUrl);

    // The listing as RLS alone would answer it; if the policies also admit shared rows, the
    // like-for-like query asks for the tenant's own rows, as the "own" listing does.
    let listRls = `SELECT ${COLS} FROM resources ORDER BY created_at DESC, id DESC LIMIT 20`;
    const listBase = `SELECT ${COLS} FROM resources WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 20`;
    const notes: string[] = [];
    try {
      // Same answers on both sides, or the comparison is meaningless (and isolation is broken).
      const same = await sameAnswers(rls, base, key, sample.slice(0, 20), listRls, listBase);
      if (!same.list) {
        listRls = `SELECT ${COLS} FROM resources WHERE tenant_id = (SELECT app.current_tenant_id()) ORDER BY created_at DESC, id DESC LIMIT 20`;
        notes.push('The resources policies admit rows of other tenants (sharing), so the RLS listing filters on the tenant\'s own rows as the "own" scope does.');
        if (!(await sameAnswers(rls, base, key, sample.slice(0, 20), listRls, listBase)).list) {
          throw new Error('RLS and baseline listings disagree');
        }
      }
      if (!same.lookup) throw new Error('RLS and baseline lookups disagree');

      // Both sides run the same 10 lookups of one tenant in a transaction, one round trip per
      // lookup: BEGIN (and, on the RLS side, set_config) travel with the first lookup and COMMIT
      // with the last. What differs is the policy and the setting it needs, nothing else. A
      // transaction per request (one more round trip) is measured over HTTP (scenario 1).
      type Query = (c: pg.PoolClient, tenantId: string) => Promise<unknown>;
      /** the setting's value for a tenant: signed (what the service sends), bare (2d only), or none */
      type Context = ((tenantId: string) => string) | undefined;
      const signed: Context = (t) => signedTenant(key, t);
      const bare: Context = (t) => t;
      const inTx = (query: Query, context: Context): Unit => async (c, record) => {
        const s = pick(sample);
        for (let i = 0; i < LOOKUPS_PER_TX; i++) {
          const t0 = performance.now();
          if (i === 0) {
            await Promise.all([
              c.query('BEGIN'),
              context ? c.query(SET_TENANT, [context(s.tenantId)]) : undefined,
              query(c, s.tenantId),
            ]);
          } else if (i === LOOKUPS_PER_TX - 1) await Promise.all([query(c, s.tenantId), c.query('COMMIT')]);
          else await query(c, s.tenantId);
          record(performance.now() - t0);
        }
        return LOOKUPS_PER_TX;
      };
      const rlsTx = (query: Query) => inTx(query, signed);
      const baseTx = (query: Query) => inTx(query, undefined);
      const idOf = (tenantId: string) => pick(sample.find((s) => s.tenantId === tenantId)!.ids);
      // Named prepared statements on both sides, as the service runs its queries
      // (src/database/prepared-statements.ts); 2c repeats the lookup unnamed.
      const LOOKUP_RLS = `SELECT ${COLS} FROM resources WHERE id = $1`;
      const LOOKUP_BASE = `SELECT ${COLS} FROM resources WHERE tenant_id = $1 AND id = $2`;
      const byIdRls: Query = (c, t) => c.query({ name: 'bench_lookup_rls', text: LOOKUP_RLS, values: [idOf(t)] });
      const byIdBase: Query = (c, t) => c.query({ name: 'bench_lookup_base', text: LOOKUP_BASE, values: [t, idOf(t)] });
      const byIdRlsUnnamed: Query = (c, t) => c.query({ text: LOOKUP_RLS, values: [idOf(t)] });
      const byIdBaseUnnamed: Query = (c, t) => c.query({ text: LOOKUP_BASE, values: [t, idOf(t)] });
      const listR: Query = (c) => c.query({ name: 'bench_list_rls', text: listRls, values: [] });
      const listB: Query = (c, t) => c.query({ name: 'bench_list_base', text: listBase, values: [t] });

      const leg = (pool: pg.Pool, unit: Unit) => () => dbLoad(pool, workers, ctx.opts.legSec, unit);
      const rounds = ctx.opts.rounds;
      const target = { text: '≥ 0.9', ok: (r: number) => r >= 0.9 };
      const comparisons: Comparison[] = [];

      ctx.log('  2a: lookup by id, policy vs explicit WHERE');
      const a = await alternate({ rounds, a: leg(rls, rlsTx(byIdRls)), b: leg(base, baseTx(byIdBase)) });
      comparisons.push(comparison(a, { name: 'lookup by id', a: 'tenancy_app + RLS, WHERE id', b: 'BYPASSRLS, WHERE tenant_id AND id', metric: 'opsPerSec', unit: 'lookups/s', target }));
      comparisons.push(comparison(a, { name: 'lookup by id', a: 'RLS', b: 'explicit WHERE', metric: 'p50Us', unit: 'µs per query' }));

      ctx.log('  2b: listing of 20, policy vs explicit WHERE');
      const b = await alternate({ rounds, a: leg(rls, rlsTx(listR)), b: leg(base, baseTx(listB)) });
      comparisons.push(comparison(b, { name: 'list 20 newest', a: 'tenancy_app + RLS', b: 'BYPASSRLS, WHERE tenant_id', metric: 'opsPerSec', unit: 'queries/s', target }));
      comparisons.push(comparison(b, { name: 'list 20 newest', a: 'RLS', b: 'explicit WHERE', metric: 'p50Us', unit: 'µs per query' }));

      ctx.log('  2c: lookup by id with unnamed statements (planned on every execution)');
      const d = await alternate({ rounds, a: leg(rls, rlsTx(byIdRlsUnnamed)), b: leg(base, baseTx(byIdBaseUnnamed)) });
      comparisons.push(comparison(d, { name: 'lookup by id, unnamed statements', a: 'tenancy_app + RLS, WHERE id', b: 'BYPASSRLS, WHERE tenant_id AND id', metric: 'opsPerSec', unit: 'lookups/s' }));

      // 2d: what verifying the signed context costs against trusting a bare one, in this run. A
      // bare setting no longer works under the policies, so both sides run on the baseline role
      // with the tenant predicate written out, once per statement as the policies have it: the
      // verifying function (HMAC and expiry checked) vs the setting read as it was before.
      ctx.log('  2d: lookup by id, signed context (verified) vs bare context (trusted)');
      const LOOKUP_SIGNED = `SELECT ${COLS} FROM resources WHERE tenant_id = (SELECT app.current_tenant_id()) AND id = $1`;
      const LOOKUP_BARE = `SELECT ${COLS} FROM resources WHERE tenant_id = (SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid) AND id = $1`;
      const bySigned: Query = (c, t) => c.query({ name: 'bench_lookup_signed', text: LOOKUP_SIGNED, values: [idOf(t)] });
      const byBare: Query = (c, t) => c.query({ name: 'bench_lookup_bare', text: LOOKUP_BARE, values: [idOf(t)] });
      const e = await alternate({ rounds, a: leg(base, inTx(bySigned, signed)), b: leg(base, inTx(byBare, bare)) });
      comparisons.push(comparison(e, { name: 'signed vs bare context', a: 'signed context, verified per statement', b: 'bare context, trusted', metric: 'opsPerSec', unit: 'lookups/s' }));
      comparisons.push(comparison(e, { name: 'signed vs bare context', a: 'signed', b: 'bare', metric: 'p50Us', unit: 'µs per query' }));

      // 2e: the policies' own cost with a verification that costs nothing. The same lookup on the
      // baseline role, with the resources policies' predicate written out as the planner orders it
      // (resources_tenant_read's global and selective branches as migration 0036 left them, then
      // resources_owner_access) over a bare, trusted setting, against 2a's explicit WHERE. What 2a
      // would be if verifying the signed context were free: the ceiling any cheaper verification
      // could reach. The selective branch calls app.shared_with_current_tenant as the policy does
      // (an EXISTS written inline costs more: its index scan is set up on every execution, run or
      // not); on the BYPASSRLS role it answers "shared at all", which changes nothing for the
      // tenant's own rows 2e looks up.
      ctx.log('  2e: lookup by id, the policies\' predicate over a bare context vs explicit WHERE');
      const BARE = "(SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid)";
      const LOOKUP_POLICY_BARE =
        `SELECT ${COLS} FROM resources r WHERE r.id = $1 AND (` +
        `(r.sharing_mode = 'global' AND r.owner_active AND ${BARE} IS NOT NULL)` +
        ` OR (r.sharing_mode = 'selective' AND r.owner_active AND (SELECT app.shared_with_current_tenant(r.tenant_id, r.id)))` +
        ` OR r.tenant_id = ${BARE})`;
      const byPolicyBare: Query = (c, t) => c.query({ name: 'bench_lookup_policy_bare', text: LOOKUP_POLICY_BARE, values: [idOf(t)] });
      const check = await base.connect();
      try {
        for (const s of sample.slice(0, 20)) {
          await Promise.all([check.query('BEGIN'), check.query(SET_TENANT, [s.tenantId])]);
          const a = await check.query(LOOKUP_POLICY_BARE, [s.ids[0]]);
          await check.query('COMMIT');
          const b = await check.query(LOOKUP_BASE, [s.tenantId, s.ids[0]]);
          if (a.rowCount !== 1 || JSON.stringify(a.rows) !== JSON.stringify(b.rows)) throw new Error('2e and the baseline lookups disagree');
        }
      } finally {
        check.release();
      }
      const f = await alternate({ rounds, a: leg(base, inTx(byPolicyBare, bare)), b: leg(base, baseTx(byIdBase)) });
      comparisons.push(comparison(f, { name: 'policies\' predicate, bare context', a: 'bare setting + the policies\' predicate', b: 'explicit WHERE tenant_id AND id', metric: 'opsPerSec', unit: 'lookups/s' }));
      comparisons.push(comparison(f, { name: 'policies\' predicate, bare context', a: 'policies, bare', b: 'explicit WHERE', metric: 'p50Us', unit: 'µs per query' }));

      const plans = await explain(db.tenantUrl, key, sample[0], listRls);
      const status = statusOf(comparisons);
      const missed = comparisons.filter((c) => c.met === false).map((c) => `${c.name} at ${c.ratio.toFixed(3)}`);
      return {
        status,
        summary:
          `lookup ${comparisons[0].ratio.toFixed(3)}, list ${comparisons[2].ratio.toFixed(3)}, signed/bare context ${comparisons[5].ratio.toFixed(3)}, policies over a bare context ${comparisons[7].ratio.toFixed(3)}` +
          (missed.length ? ` (missed: ${missed.join(', ')})` : ''),
        comparisons,
        metrics: {
          resources: data.total,
          tenants: (await ctx.tenants()).length,
          'concurrent workers (one connection each)': workers,
          'lookups per transaction (2a, 2b)': LOOKUPS_PER_TX,
          'plan, lookup by id under RLS': plans.rlsLookup,
          'plan, list under RLS': plans.rlsList,
        },
        notes: [
          ...notes,
          `2a/2b: each worker runs ${LOOKUPS_PER_TX} lookups of one tenant in a transaction as tenancy_app, one round trip per lookup (BEGIN + set_config travel with the first, COMMIT with the last); the baseline runs the same ${LOOKUPS_PER_TX} lookups with WHERE tenant_id = $1 on a BYPASSRLS role in the same kind of transaction, without the setting. Both sides use named prepared statements, as the service does, so the ratio is the policy itself.`,
          '2c has no target: it shows the lookup with unnamed statements, planned on every execution — planning is where a policy costs (its quals are added at plan time), and named statements plan once per connection.',
          '2a–2c run with the signed tenant context the service sets (HMAC-SHA256 and expiry verified by app.current_tenant_id() once per statement, signed per transaction on the client). 2d has no target: it isolates that verification, the same lookup on the baseline role with the tenant predicate `(SELECT app.current_tenant_id())` after a signed set_config vs `(SELECT nullif(current_setting(…), \'\')::uuid)` after a bare one (the pre-signing function body).',
          '2e has no target: the lookup on the baseline role after a bare set_config, filtered by the resources policies\' predicate written out over the bare setting (what the policies would cost if verifying the context were free), against 2a\'s explicit WHERE.',
        ],
      };
    } finally {
      await rls.end();
      await base.end();
    }
  },
};

async function sameAnswers(
  rls: pg.Pool,
  base: pg.Pool,
  key: ContextKey,
  sample: { tenantId: string; ids: string[] }[],
  listRls: string,
  listBase: string,
) {
  let lookup = true;
  let list = true;
  const c = await rls.connect();
  try {
    for (const s of sample) {
      await Promise.all([c.query('BEGIN'), c.query(SET_TENANT, [signedTenant(key, s.tenantId)])]);
      const a = await c.query(`SELECT ${COLS} FROM resources WHERE id = $1`, [s.ids[0]]);
      const la = await c.query(listRls);
      await c.query('COMMIT');
      const b = await base.query(`SELECT ${COLS} FROM resources WHERE tenant_id = $1 AND id = $2`, [s.tenantId, s.ids[0]]);
      const lb = await base.query(listBase, [s.tenantId]);
      if (JSON.stringify(a.rows) !== JSON.stringify(b.rows) || a.rows.length !== 1) lookup = false;
      if (JSON.stringify(la.rows.map((r) => r.id)) !== JSON.stringify(lb.rows.map((r) => r.id))) list = false;
      // Another tenant's row must stay invisible under the policy.
      const other = sample.find((o) => o.tenantId !== s.tenantId)!;
      await Promise.all([c.query('BEGIN'), c.query(SET_TENANT, [signedTenant(key, s.tenantId)])]);
      const leak = await c.query(`SELECT 1 FROM resources WHERE id = $1 AND tenant_id = $2 AND sharing_mode = 'private'`, [other.ids[0], other.tenantId]);
      await c.query('COMMIT');
      if (leak.rowCount !== 0) throw new Error('isolation broken: a private row of another tenant is visible');
    }
  } finally {
    c.release();
  }
  return { lookup, list };
}

/** The plans of the two queries 2a and 2b time on the RLS side (the listing as timed, `listRls`). */
async function explain(tenantUrl: string, key: ContextKey, s: { tenantId: string; ids: string[] }, listRls: string) {
  return withClient(tenantUrl, async (c) => {
    await c.query('BEGIN');
    await c.query(SET_TENANT, [signedTenant(key, s.tenantId)]);
    const plan = async (sql: string, params: unknown[]) =>
      (await c.query(`EXPLAIN (COSTS OFF) ${sql}`, params)).rows.map((r) => r['QUERY PLAN'].trim()).join(' / ');
    const rlsLookup = await plan(`SELECT ${COLS} FROM resources WHERE id = $1`, [s.ids[0]]);
    const rlsList = await plan(listRls, []);
    await c.query('ROLLBACK');
    return { rlsLookup, rlsList };
  });
}
