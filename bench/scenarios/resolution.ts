import { benchPool } from '../lib/database.js';
import { performance } from 'node:perf_hooks';
import { TenantResolver, type TenantSources } from '../../src/modules/tenant/tenant-resolver.service.js';
import type { TenantRepository } from '../../src/modules/tenant/tenant.repository.js';
import { alternate } from '../lib/ab.js';
import { comparison } from '../lib/compare.js';
import { httpLoad } from '../lib/http-load.js';
import { median, round } from '../lib/stats.js';
import type { Scenario } from '../lib/types.js';

/**
 * 6. Cached tenant resolution. (a) TenantResolver.resolve in-process with a warm cache, backed
 * by the real repository SQL (app.resolve_tenant as the tenant runtime role) for the misses;
 * (b) over HTTP: a tenant route that resolves the tenant but runs no query, against a route
 * that only checks the token.
 */
export const resolution: Scenario = {
  id: 6,
  title: 'Cached tenant resolution',
  target: 'report the median µs per request (no ratio target)',
  async run(ctx) {
    const tenants = (await ctx.tenants()).slice(0, 1_000);
    const db = ctx.cluster.main;
    const pool = benchPool({ connectionString: db.tenantUrl, max: 4 });
    try {
      // The real lookup SQL of TenantRepository.resolve, on the tenant runtime role.
      let dbLookups = 0;
      const repository = {
        async resolve(key: string) {
          dbLookups++;
          const { rows } = await pool.query(
            'SELECT id, subdomain, status, type, tier FROM app.resolve_tenant($1)',
            [key],
          );
          return rows[0] ?? null;
        },
      } as unknown as TenantRepository;
      const resolver = new TenantResolver(repository, ctx.config);
      const host = (sub: string) => `${sub}.${ctx.config.baseDomain}`;

      const variants: { name: string; sources: (i: number) => TenantSources }[] = [
        { name: 'token tid (uuid)', sources: (i) => ({ tokenTenantId: tenants[i].id }) },
        { name: 'X-Tenant-ID subdomain', sources: (i) => ({ header: tenants[i].subdomain.toUpperCase() }) },
        {
          name: 'token tid + Host (two keys, agreement check)',
          sources: (i) => ({ tokenTenantId: tenants[i].id, host: host(tenants[i].subdomain) }),
        },
      ];
      // Warm the cache for every key the variants use.
      for (const v of variants) for (let i = 0; i < tenants.length; i++) await resolver.resolve(v.sources(i));
      const lookupsAfterWarmup = dbLookups;

      const perCall = 50_000;
      const batches = ctx.opts.rounds * 3;
      const metrics: Record<string, number | string> = {};
      for (const v of variants) {
        const srcs = tenants.map((_, i) => v.sources(i));
        const us: number[] = [];
        for (let b = 0; b < batches; b++) {
          const t0 = performance.now();
          for (let i = 0; i < perCall; i++) {
            const r = await resolver.resolve(srcs[i % srcs.length]);
            if (r.id !== tenants[i % srcs.length].id) throw new Error('resolved the wrong tenant');
          }
          us.push(((performance.now() - t0) * 1000) / perCall);
        }
        metrics[`TenantResolver.resolve, ${v.name}: median µs/call`] = round(median(us), 3);
      }
      if (dbLookups !== lookupsAfterWarmup) {
        throw new Error(`cache misses during the timed loop (${dbLookups - lookupsAfterWarmup})`);
      }
      metrics['database lookups during the timed loops'] = 0;
      metrics['tenants in the warm cache'] = tenants.length;

      // HTTP: same token, route with vs without tenant resolution (no query either way).
      const app = await ctx.mainApp();
      const t = tenants[0];
      const headers = { authorization: `Bearer ${ctx.signer.tenant({ tenantId: t.id, userId: t.userId, subdomain: t.subdomain })}` };
      const leg = (path: string) => () =>
        httpLoad({ baseUrl: app.baseUrl, path, headers, connections: ctx.opts.connections, durationSec: ctx.opts.legSec });
      const ab = await alternate({ rounds: ctx.opts.rounds, a: leg('/bench/tenant-noop'), b: leg('/bench/noop') });
      const comparisons = [
        comparison(ab, { name: 'HTTP: tenant route (resolve, no query) vs token-only route', a: 'GET /bench/tenant-noop', b: 'GET /bench/noop', metric: 'rps', unit: 'req/s' }),
        comparison(ab, { name: 'HTTP: tenant route (resolve, no query) vs token-only route', a: 'GET /bench/tenant-noop', b: 'GET /bench/noop', metric: 'p50Us', unit: 'µs' }),
      ];
      const extraUs = 1e6 / ab.medianA.rps - 1e6 / ab.medianB.rps;
      metrics['HTTP: server time per request with resolution (1e6 / req/s), µs'] = round(1e6 / ab.medianA.rps, 1);
      metrics['HTTP: added by resolution + tenant interceptor, µs per request'] = round(extraUs, 1);
      const main = metrics['TenantResolver.resolve, token tid (uuid): median µs/call'];
      return {
        status: 'measured',
        summary: `resolve() ${main} µs/call cached; HTTP +${round(extraUs, 1)} µs/request`,
        comparisons,
        metrics,
        notes: [
          'µs per call = wall time of a batch of 50,000 awaited resolve() calls over 1,000 cached tenants ÷ 50,000; median of the batches.',
          'HTTP µs = 1e6 ÷ median req/s of the saturated single-process app (the load driver shares the 2 cores), so it includes the interceptor and Observable plumbing of a tenant route, not only the cache lookup.',
        ],
      };
    } finally {
      await pool.end();
    }
  },
};
