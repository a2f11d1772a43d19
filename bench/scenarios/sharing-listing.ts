import { alternate } from '../lib/ab.js';
import { getJson } from '../lib/http-check.js';
import { httpLoad } from '../lib/http-load.js';
import { resourceDataset } from '../lib/resources-data.js';
import { round } from '../lib/stats.js';
import type { Scenario } from '../lib/types.js';

/**
 * 3. The sharing listing (own + global + selective rows, under RLS) at scale: 1,000 global
 * resources and 50,000 selective shares. Latency of GET /v1/resources at one connection (no
 * queueing), over 100 tenants in rotation.
 */
export const sharingListing: Scenario = {
  id: 3,
  title: 'Sharing listing at scale',
  target: 'median < 5 ms for GET /v1/resources?limit=20 (1,000 global, 50,000 selective shares)',
  async run(ctx) {
    const data = await resourceDataset(ctx);
    const app = await ctx.mainApp();
    const tenants = data.sample.slice(0, 100).map((s) => data.tenants.find((t) => t.id === s.tenantId)!);
    const tokens = tenants.map((t) => `Bearer ${ctx.signer.tenant({ tenantId: t.id, userId: t.userId, subdomain: t.subdomain })}`);
    const probe = await getJson(app.baseUrl, '/v1/resources?limit=20', { authorization: tokens[0] });
    if (probe.status !== 200) throw new Error(`GET /v1/resources answered ${probe.status}`);
    const visible = (probe.body as { total: number }).total;

    const leg = (path: string) => {
      let n = 0;
      return () =>
        httpLoad({
          baseUrl: app.baseUrl,
          path,
          connections: 1,
          durationSec: ctx.opts.legSec,
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: tokens[n++ % tokens.length] } }),
        });
    };
    // "all" and "shared" alternated; both are the listing of the sharing issue.
    const ab = await alternate({ rounds: ctx.opts.rounds, a: leg('/v1/resources?limit=20'), b: leg('/v1/resources?limit=20&scope=shared') });
    const med = ab.medianA.p50Ms;
    const met = med < 5;
    return {
      status: met ? 'met' : 'missed',
      summary: `median ${round(med, 2)} ms (scope=all), ${round(ab.medianB.p50Ms, 2)} ms (scope=shared)${met ? '' : ` — missed by ${round(med - 5, 2)} ms`}`,
      metrics: {
        'scope=all: median of per-round p50, ms': med,
        'scope=all: median of per-round p99, ms': ab.medianA.p99Ms,
        'scope=all: req/s at 1 connection': ab.medianA.rps,
        'scope=shared: median of per-round p50, ms': ab.medianB.p50Ms,
        'scope=shared: median of per-round p99, ms': ab.medianB.p99Ms,
        'global resources': data.sharing.global,
        'selective resources': data.sharing.selective,
        'share rows': data.sharing.shares,
        'resources in total': data.total,
        'visible to the first tenant (total of its listing)': visible,
      },
      notes: [
        'Latency at the client over loopback through the full stack (token, resolution, transaction, set_config, RLS with the sharing read policy), one connection, 100 tenants in rotation.',
      ],
    };
  },
};
