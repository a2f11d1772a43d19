import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { alternate } from '../lib/ab.js';
import { comparison, statusOf } from '../lib/compare.js';
import { canonical, getJson } from '../lib/http-check.js';
import { withCpu } from '../lib/cpu.js';
import { httpLoad } from '../lib/http-load.js';
import { profileSummary } from '../lib/profile-summary.js';
import { tenantRotation } from '../lib/rotation.js';
import { NotRunError, type Comparison, type Scenario } from '../lib/types.js';

interface Endpoint {
  name: string;
  /** path through the full stack, and the harness's baseline path, per tenant index */
  a: (i: number) => string;
  b: (i: number) => string;
}

/**
 * 1. Tenancy overhead over HTTP: the full stack (token check, tenant resolution, transaction,
 * set_config, RLS) against the harness's baseline route (same token check, same queries with an
 * explicit WHERE tenant_id = $1, no transaction, BYPASSRLS role). 100 tenants in rotation.
 */
export const httpOverhead: Scenario = {
  id: 1,
  title: 'Tenancy overhead over HTTP',
  target: 'throughput ratio ≥ 0.85 and p99 latency ratio ≤ 1.3 (GET /v1/resources/:id, GET /v1/resources?limit=20)',
  async run(ctx) {
    if (!ctx.cluster.baseline.ok) throw new NotRunError(ctx.cluster.baseline.reason);
    const { data, sample, tokens } = await tenantRotation(ctx);
    const app = await ctx.mainApp();

    const probe = await getJson(app.baseUrl, `/v1/resources/${sample[0].ids[0]}`, { authorization: tokens[0] });
    if (probe.status !== 200) throw new Error(`GET /v1/resources/:id answered ${probe.status}`);
    const endpoints: Endpoint[] = [
      { name: 'GET /v1/resources/:id', a: (i) => `/v1/resources/${sample[i].ids[0]}`, b: (i) => `/bench/baseline/resources/${sample[i].ids[0]}` },
      { name: 'GET /v1/resources?limit=20', a: () => '/v1/resources?limit=20', b: () => '/bench/baseline/resources?limit=20' },
    ];

    // Same answers on both sides for every tenant in the rotation, or the comparison is void.
    for (const e of endpoints) {
      for (let i = 0; i < sample.length; i += 10) {
        const [ra, rb] = await Promise.all([
          getJson(app.baseUrl, e.a(i), { authorization: tokens[i] }),
          getJson(app.baseUrl, e.b(i), { authorization: tokens[i] }),
        ]);
        if (ra.status !== 200 || rb.status !== 200 || canonical(ra.body) !== canonical(rb.body)) {
          throw new Error(`${e.name}: the full stack and the baseline answer differently (${ra.status} vs ${rb.status})`);
        }
      }
    }

    const comparisons: Comparison[] = [];
    const metrics: Record<string, number | string> = { 'tenants in rotation': sample.length, 'data generator': data.generator };
    const thr = { text: '≥ 0.85', ok: (r: number) => r >= 0.85 };
    const p99 = { text: '≤ 1.3', ok: (r: number) => r <= 1.3 };
    for (const e of endpoints) {
      ctx.log(`  ${e.name}`);
      const leg = (path: (i: number) => string) => {
        let n = 0;
        return () =>
          withCpu(app.pid, () =>
            httpLoad({
              baseUrl: app.baseUrl,
              path: path(0),
              connections: ctx.opts.connections,
              durationSec: ctx.opts.legSec,
              setupRequest: (req) => {
                const i = n++ % sample.length;
                return { ...req, path: path(i), headers: { ...req.headers, authorization: tokens[i] } };
              },
            }),
          );
      };
      const ab = await alternate({ rounds: ctx.opts.rounds, a: leg(e.a), b: leg(e.b) });
      if (ctx.opts.profile) {
        // one more leg of each side alone under the profiler: where the app's CPU goes
        const dir = join(ctx.resultsDir, 'profiles');
        mkdirSync(dir, { recursive: true });
        const slug = e.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
        const rows = new Map<string, { a: number; b: number }>();
        for (const side of ['a', 'b'] as const) {
          const file = join(dir, `scenario-1-${slug}-${side === 'a' ? 'full-stack' : 'baseline'}.cpuprofile`);
          const s = await app.profiled(file, leg(e[side]));
          ctx.log(`  profile written to ${file}`);
          for (const row of profileSummary(file, s.requests ?? 0)) {
            const r = rows.get(row.bucket) ?? { a: 0, b: 0 };
            r[side] = row.usPerRequest;
            rows.set(row.bucket, r);
          }
        }
        for (const [bucket, r] of [...rows].sort((x, y) => y[1].a - x[1].a)) {
          metrics[`profile, ${e.name}: ${bucket}, µs per request, full stack / baseline`] = `${r.a} / ${r.b}`;
        }
      }
      comparisons.push(
        comparison(ab, { name: e.name, a: 'full stack', b: 'baseline route', metric: 'rps', unit: 'req/s', target: thr }),
        comparison(ab, { name: e.name, a: 'full stack', b: 'baseline route', metric: 'p99Us', unit: 'µs', target: p99 }),
        comparison(ab, { name: e.name, a: 'full stack', b: 'baseline route', metric: 'p50Us', unit: 'µs' }),
        comparison(ab, { name: e.name, a: 'full stack', b: 'baseline route', metric: 'appCpuUs', unit: 'µs of app CPU per request' }),
        comparison(ab, { name: e.name, a: 'full stack', b: 'baseline route', metric: 'pgCpuUs', unit: 'µs of Postgres CPU per request' }),
      );
    }
    const notes = [
      `A = the route as served to clients; B = GET /bench/baseline/… registered by the harness only: same global token guard, tenant id taken from the verified token, the same SQL with the visibility rule written out with WHERE tenant_id = $n, the same per-request user check (exists, active, same role) by hand beside it, cached as long as the service caches it (PRINCIPAL_CACHE_TTL_MS), no transaction, role tenancy_bench_baseline (BYPASSRLS), a pool of the same size with prepared statements as the service's. Before timing, both answered identically for the tenants in rotation.`,
      `${sample.length} tenants in rotation (a different token per request), ${ctx.opts.connections} connections; the load driver runs on the same 2 cores as the app and Postgres.`,
      'CPU per request: user + system time of the app process (all its threads) and of every postgres process, from /proc before and after each leg, divided by the leg\'s 2xx answers. The app process serves both routes, one leg at a time.',
    ];
    const missed = comparisons.filter((c) => c.met === false).map((c) => `${c.name} ${c.metric} ${c.ratio.toFixed(3)}`);
    return {
      status: statusOf(comparisons),
      summary:
        comparisons
          .filter((c) => c.met !== undefined)
          .map((c) => `${c.name.replace('GET /v1/', '')} ${c.metric} ${c.ratio.toFixed(2)}`)
          .join('; ') + (missed.length ? ` (missed: ${missed.join(', ')})` : ''),
      comparisons,
      metrics,
      notes,
    };
  },
};
