import { alternate } from '../lib/ab.js';
import { comparison, statusOf } from '../lib/compare.js';
import { withClient } from '../lib/database.js';
import { httpLoad } from '../lib/http-load.js';
import { resourceDataset } from '../lib/resources-data.js';
import { seedUsers, type SeededTenant } from '../lib/seed.js';
import { seedSharing } from '../seed-sharing.js';
import type { Comparison, Scenario } from '../lib/types.js';

/**
 * 4. Tenant count does not matter: the same small tenant's requests against an app whose
 * database holds the full tenant count vs one holding 100 tenants (same per-tenant data, same
 * number of global resources), alternated; then RSS after resolving every tenant once.
 */
export const tenantCount: Scenario = {
  id: 4,
  title: 'Tenant count does not matter',
  target: 'p50 and p99 ratio (many ÷ 100 tenants) ≤ 1.2; RSS after resolving 10,000 distinct tenants reported',
  async run(ctx) {
    const data = await resourceDataset(ctx);
    // An app of its own on the large database, started beside the small one, so that the two
    // differ in the tenant count only: the shared main app carries the heap and caches of the
    // scenarios before this one (in a full run it entered this one at about 85 MiB more RSS, and
    // its p99 paid for the extra garbage collection).
    const large = await ctx.startApp(ctx.cluster.main);
    const smallDb = await ctx.cluster.createDatabase(`${ctx.cluster.main.name}_small`);
    const SMALL = 100;
    const notes: string[] = [];
    const perGrantee = data.sharing.shares / data.tenants.length;
    const r = await withClient(smallDb.adminUrl, (c) =>
      seedSharing(c, {
        tenants: SMALL,
        platformTenants: Math.min(10, data.sharing.platformTenantIds.length),
        resources: SMALL * ctx.opts.resourcesPerTenant,
        global: data.sharing.global,
        shares: Math.round(perGrantee * SMALL),
        prefix: 'bench',
      }),
    );
    const users = await seedUsers(smallDb, r.tenantIds);
    const small: SeededTenant[] = r.tenantIds.map((id, n) => ({ id, subdomain: `bench-${n}`, userId: users.get(id)! }));
    notes.push(`Both databases come from bench/seed-sharing.ts with ${ctx.opts.resourcesPerTenant} resources per tenant and ${data.sharing.global} global resources, so a tenant sees the same amount of data in each.`);
    const smallApp = await ctx.startApp(smallDb);

    // The "small tenant": 20 ordinary (non-platform) tenants from each database, in rotation.
    const pickLarge = data.tenants.slice(data.sharing.platformTenantIds.length).slice(0, 20);
    const pickSmall = small.slice(data.sharing.platformTenantIds.length).slice(0, 20);
    const tok = (t: SeededTenant) => `Bearer ${ctx.signer.tenant({ tenantId: t.id, userId: t.userId, subdomain: t.subdomain })}`;
    const tokLarge = pickLarge.map(tok);
    const tokSmall = pickSmall.map(tok);

    // The listing: it resolves the tenant, checks the user and reads the tenant's data,
    // everything that could grow with the tenant count.
    const paths = ['/v1/resources?limit=20'];

    const comparisons: Comparison[] = [];
    const target = { text: '≤ 1.2', ok: (r: number) => r <= 1.2 };
    for (const path of paths) {
      ctx.log(`  ${path}: ${data.tenants.length} vs ${SMALL} tenants`);
      const leg = (baseUrl: string, tokens: string[]) => {
        let n = 0;
        return () =>
          httpLoad({
            baseUrl,
            path,
            connections: ctx.opts.connections,
            durationSec: ctx.opts.legSec,
            setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: tokens[n++ % tokens.length] } }),
          });
      };
      // Both apps have just started: the same warm-up for both JITs.
      for (let i = 0; i < 3; i++) {
        await leg(large.baseUrl, tokLarge)();
        await leg(smallApp.baseUrl, tokSmall)();
      }
      const ab = await alternate({ rounds: ctx.opts.rounds, a: leg(large.baseUrl, tokLarge), b: leg(smallApp.baseUrl, tokSmall) });
      const name = `${path}`;
      const labels = { a: `${data.tenants.length} tenants`, b: `${SMALL} tenants` };
      comparisons.push(
        comparison(ab, { name, ...labels, metric: 'p50Us', unit: 'µs', target }),
        comparison(ab, { name, ...labels, metric: 'p99Us', unit: 'µs', target }),
        comparison(ab, { name, ...labels, metric: 'rps', unit: 'req/s' }),
      );
    }

    // Memory: resolve every tenant of the large database once (a different token each time).
    ctx.log(`  resolving ${data.tenants.length} distinct tenants`);
    const all = data.tenants.map(tok);
    const rssStart = large.rssMiB();
    const resolveAll = () => {
      let n = 0;
      return httpLoad({
        baseUrl: large.baseUrl,
        path: '/bench/tenant-noop',
        connections: ctx.opts.connections,
        durationSec: 0,
        amount: all.length,
        setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: all[n++ % all.length] } }),
      });
    };
    await resolveAll();
    const rssAfter = large.rssMiB();
    await resolveAll();
    const rssAfter2 = large.rssMiB();
    await Promise.all([large.stop(), smallApp.stop()]);
    const status = statusOf(comparisons);
    const targeted = comparisons.filter((c) => c.met !== undefined);
    return {
      status,
      summary:
        targeted.map((c) => `${c.name} ${c.metric} ${c.ratio.toFixed(2)}`).join('; ') +
        `; RSS ${rssAfter} MiB after ${all.length} tenants`,
      comparisons,
      metrics: {
        'tenants (large database)': data.tenants.length,
        'tenants (small database)': SMALL,
        'app RSS before resolving every tenant, MiB': rssStart,
        [`app RSS after resolving ${all.length} distinct tenants, MiB`]: rssAfter,
        [`app RSS after a second pass over ${all.length} tenants, MiB`]: rssAfter2,
        'tenant cache bound (TENANT_CACHE_MAX entries)': ctx.config.tenantCache.max,
      },
      notes: [
        ...notes,
        'Two app processes (one per database), both started for this scenario and warmed up alike, run side by side; legs alternate between them. RSS is read from /proc/<pid>/status (VmRSS) of the large app.',
        'Each tenant takes up to two cache entries (id and subdomain), so 10,000 tenants overflow a 10,000-entry cache: the oldest are evicted (LRU), which is what keeps RSS flat on the second pass.',
      ],
    };
  },
};
