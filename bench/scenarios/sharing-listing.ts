import { alternate } from '../lib/ab.js';
import { comparison } from '../lib/compare.js';
import { contextKeyOf, signedPlatform } from '../lib/context.js';
import { withClient } from '../lib/database.js';
import { getJson } from '../lib/http-check.js';
import { httpLoad } from '../lib/http-load.js';
import { resourceDataset } from '../lib/resources-data.js';
import { round } from '../lib/stats.js';
import type { BenchContext, Scenario } from '../lib/types.js';

/** Resources given to one tenant for the large-tenant legs. */
const LARGE_TENANT_RESOURCES = 50_000;

/**
 * 3. The sharing listing (own + global + selective rows, under RLS) at scale: 1,000 global
 * resources and 50,000 selective shares. Latency of GET /v1/resources at one connection (no
 * queueing), over 100 tenants in rotation. Then one tenant grown to 50,000 resources of its own,
 * against a tenant of the usual size, to show the listing does not read a tenant's whole set.
 */
export const sharingListing: Scenario = {
  id: 3,
  title: 'Sharing listing at scale',
  target: 'median < 5 ms for GET /v1/resources?limit=20 (1,000 global, 50,000 selective shares)',
  async run(ctx) {
    const data = await resourceDataset(ctx);
    const app = await ctx.mainApp();
    const tenants = data.sample.slice(0, 100).map((s) => data.tenants.find((t) => t.id === s.tenantId)!);
    const tokenOf = (t: (typeof tenants)[number]) =>
      `Bearer ${ctx.signer.tenant({ tenantId: t.id, userId: t.userId, subdomain: t.subdomain })}`;
    const tokens = tenants.map(tokenOf);
    const probe = await getJson(app.baseUrl, '/v1/resources?limit=20', { authorization: tokens[0] });
    if (probe.status !== 200) throw new Error(`GET /v1/resources answered ${probe.status}`);
    const visible = (probe.body as { total: number }).total;

    const leg = (path: string, rotation: string[]) => {
      let n = 0;
      return () =>
        httpLoad({
          baseUrl: app.baseUrl,
          path,
          connections: 1,
          durationSec: ctx.opts.legSec,
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: rotation[n++ % rotation.length] } }),
        });
    };
    // "all" and "shared" alternated; both are the listing of the sharing issue.
    const ab = await alternate({
      rounds: ctx.opts.rounds,
      a: leg('/v1/resources?limit=20', tokens),
      b: leg('/v1/resources?limit=20&scope=shared', tokens),
    });
    const medMs = ab.medianA.p50Us / 1000;
    const met = medMs < 5;

    // One tenant outside the rotation (and no platform tenant) grows to 50,000 resources; the
    // usual-size tenant beside it is the first of the rotation. Done last: the rows stay.
    const inRotation = new Set(data.sample.map((s) => s.tenantId));
    const platform = new Set(data.sharing.platformTenantIds);
    const large = data.tenants.find((t) => !inRotation.has(t.id) && !platform.has(t.id))!;
    const largeToken = tokenOf(large);
    const ownTotal = async () => {
      const r = await getJson(app.baseUrl, '/v1/resources?limit=20&scope=own', { authorization: largeToken });
      if (r.status !== 200) throw new Error(`the large tenant's own listing answered ${r.status}`);
      return (r.body as { total: number }).total;
    };
    const before = await ownTotal();
    await growTenant(ctx, large.id, LARGE_TENANT_RESOURCES);
    const owned = await ownTotal();
    if (owned !== before + LARGE_TENANT_RESOURCES) {
      throw new Error(`the large tenant owns ${owned} resources after adding ${LARGE_TENANT_RESOURCES} to ${before}`);
    }
    const big = await alternate({
      rounds: ctx.opts.rounds,
      a: leg('/v1/resources?limit=20', [largeToken]),
      b: leg('/v1/resources?limit=20', [tokens[0]]),
    });

    return {
      status: met ? 'met' : 'missed',
      summary: `median ${round(medMs, 3)} ms (scope=all), ${round(ab.medianB.p50Us / 1000, 3)} ms (scope=shared)${met ? '' : ` — missed by ${round(medMs - 5, 3)} ms`}; a tenant with ${owned.toLocaleString('en-US')} resources: ${round(big.medianA.p50Us / 1000, 3)} ms`,
      comparisons: [
        comparison(big, {
          name: `GET /v1/resources?limit=20, a tenant with ${owned.toLocaleString('en-US')} resources vs one of the usual size`,
          a: 'large tenant',
          b: 'usual tenant',
          metric: 'p50Us',
          unit: 'µs',
        }),
        comparison(big, { name: 'the same, p99', a: 'large tenant', b: 'usual tenant', metric: 'p99Us', unit: 'µs' }),
      ],
      metrics: {
        'scope=all: median of per-round p50, µs': ab.medianA.p50Us,
        'scope=all: median of per-round p99, µs': ab.medianA.p99Us,
        'scope=all: req/s at 1 connection': ab.medianA.rps,
        'scope=shared: median of per-round p50, µs': ab.medianB.p50Us,
        'scope=shared: median of per-round p99, µs': ab.medianB.p99Us,
        'large tenant (scope=all): median of per-round p50, µs': big.medianA.p50Us,
        'large tenant (scope=all): median of per-round p99, µs': big.medianA.p99Us,
        'usual tenant beside it (scope=all): median of per-round p50, µs': big.medianB.p50Us,
        'resources of the large tenant': owned,
        'global resources': data.sharing.global,
        'selective resources': data.sharing.selective,
        'share rows': data.sharing.shares,
        'resources in total': data.total + LARGE_TENANT_RESOURCES,
        'visible to the first tenant (total of its listing)': visible,
      },
      notes: [
        'Latency at the client over loopback through the full stack (token, resolution, transaction, set_config, RLS with the sharing read policy), one connection, 100 tenants in rotation.',
        `Large tenant: one ordinary tenant outside the rotation is given ${LARGE_TENANT_RESOURCES.toLocaleString('en-US')} more resources (written as the platform role in platform scope, then ANALYZE), and its GET /v1/resources?limit=20 is alternated with the first tenant of the rotation's, one connection each. The listing's page comes from an index that stops at 20; its total counts the tenant's index entries.`,
      ],
    };
  },
};

/** Adds `n` private resources to `tenantId`, the way seed-sharing writes. */
async function growTenant(ctx: BenchContext, tenantId: string, n: number): Promise<void> {
  return withClient(ctx.cluster.main.adminUrl, async (c) => {
    const key = await contextKeyOf(c);
    await c.query('BEGIN');
    try {
      await c.query('SET LOCAL ROLE tenancy_platform');
      await c.query("SELECT set_config('app.scope', $1, true)", [signedPlatform(key)]);
      await c.query(
        `INSERT INTO resources (tenant_id, kind, name, created_at, updated_at)
         SELECT $1, 'document', 'Large tenant resource ' || g, now() - g * interval '1 second', now() - g * interval '1 second'
           FROM generate_series(1, $2::int) g`,
        [tenantId, n],
      );
      await c.query('COMMIT');
      await c.query('ANALYZE resources');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    }
  });
}
