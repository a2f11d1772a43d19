import { performance } from 'node:perf_hooks';
import { postJson } from '../lib/http-check.js';
import { platformTx } from '../lib/seed.js';
import { median, percentile, round } from '../lib/stats.js';
import { NotRunError, type Scenario } from '../lib/types.js';

/**
 * 5. Provisioning through POST /v1/admin/tenants (tenant + first admin with a real password
 * hash + defaults in one transaction): sequentially, then 8 at a time.
 */
export const provisioning: Scenario = {
  id: 5,
  title: 'Provisioning',
  target: 'median latency of one provisioning call < 100 ms including password hashing',
  async run(ctx) {
    const app = await ctx.mainApp();
    const adminId = await platformTx(ctx.cluster.main, async (c) =>
      (await c.query(
        `INSERT INTO platform_admins (email, password_hash, role) VALUES ('bench-admin@platform.test', 'not-a-login', 'owner') RETURNING id`,
      )).rows[0].id as string,
    );
    const auth = { authorization: `Bearer ${ctx.signer.platform(adminId)}` };
    const probe = await postJson(app.baseUrl, '/v1/admin/tenants', auth, {});
    if (probe.status === 404) throw new NotRunError('POST /v1/admin/tenants answered 404: the registry/provisioning work is not on main yet');
    if (probe.status !== 400) throw new Error(`POST /v1/admin/tenants with an empty body answered ${probe.status}, expected 400`);

    const n = ctx.opts.provisionCount;
    let seq = 0;
    const one = async (label: string) => {
      const i = seq++;
      const body = {
        companyName: `Provisioned ${label} ${i}`,
        subdomain: `prov-${label}-${i}`,
        admin: { email: `admin${i}@prov-${label}.test`, password: `pw-${i}-bench-password` },
      };
      const t0 = performance.now();
      const res = await postJson(app.baseUrl, '/v1/admin/tenants', auth, body);
      const ms = performance.now() - t0;
      if (res.status !== 201) throw new Error(`provisioning ${body.subdomain} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return ms;
    };
    // warm-up
    for (let i = 0; i < 5; i++) await one('warm');

    ctx.log(`  ${n} sequential`);
    const sequential: number[] = [];
    const s0 = performance.now();
    for (let i = 0; i < n; i++) sequential.push(await one('seq'));
    const seqSec = (performance.now() - s0) / 1000;

    ctx.log(`  ${n} with 8 in flight`);
    const parallel: number[] = [];
    const p0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < n) {
          next++;
          parallel.push(await one('par'));
        }
      }),
    );
    const parSec = (performance.now() - p0) / 1000;
    const med = median(sequential);
    const met = med < 100;
    return {
      status: met ? 'met' : 'missed',
      summary: `median ${round(med, 1)} ms sequential${met ? '' : ` (target missed by ${round(med - 100, 1)} ms)`}; ${n} tenants in ${round(seqSec, 1)} s sequential, ${round(parSec, 1)} s at 8`,
      metrics: {
        'sequential: median ms': round(med, 1),
        'sequential: p99 ms': round(percentile(sequential, 99), 1),
        [`sequential: ${n} tenants, total s`]: round(seqSec, 2),
        'sequential: tenants/s': round(n / seqSec, 1),
        '8 in flight: median ms': round(median(parallel), 1),
        '8 in flight: p99 ms': round(percentile(parallel, 99), 1),
        [`8 in flight: ${n} tenants, total s`]: round(parSec, 2),
        '8 in flight: tenants/s': round(n / parSec, 1),
      },
      notes: ['Each call creates the tenant, its first admin (password hashed by the service) and its defaults; latency measured at the client, loopback.'],
    };
  },
};
