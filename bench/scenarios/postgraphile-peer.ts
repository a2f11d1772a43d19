import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { alternate } from '../lib/ab.js';
import { comparison, statusOf } from '../lib/compare.js';
import { withCpu } from '../lib/cpu.js';
import { canonical, getJson, postJson } from '../lib/http-check.js';
import { httpLoad } from '../lib/http-load.js';
import { tenantRotation } from '../lib/rotation.js';
import type { Comparison, Scenario } from '../lib/types.js';

// PostGraphile 5 names a table's `id` column `rowId` (`id` is the global node id)
const LOOKUP = `query ($id: UUID!) { allResources(condition: { rowId: $id }) { nodes { tenantId rowId kind name content sharingMode } } }`;
const LISTING = `query { appListVisibleResources(pScope: "all", pLimit: 20, pOffset: 0) { nodes { tenantId id kind name content sharingMode owned total } } }`;

/** What both sides must agree on, from the service's JSON and PostGraphile's. */
type Row = { tenant: string; id: string; kind: string; name: string; content: unknown; mode: string };
const fromService = (r: any): Row => ({ tenant: r.ownerTenantId, id: r.id, kind: r.kind, name: r.name, content: r.content, mode: r.sharing.mode });
const fromGraphql = (r: any): Row => ({ tenant: r.tenantId, id: r.id, kind: r.kind, name: r.name, content: r.content, mode: r.sharingMode });

async function startPostgraphile(env: Record<string, string>): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = fork(join(import.meta.dirname, '..', 'lib', 'postgraphile-server.js'), [], {
    env: { PATH: process.env.PATH ?? '', ...env, BENCH_PORT: '0' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('PostGraphile did not start within 120 s')), 120_000);
    child.once('message', (m: { type?: string; port?: number }) => {
      clearTimeout(timer);
      if (m?.type === 'ready' && m.port) ok(m.port);
      else fail(new Error(`PostGraphile failed to start: ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`PostGraphile exited with code ${code} before it was ready`));
    });
  });
  return { child, baseUrl: `http://127.0.0.1:${port}` };
}

/**
 * 8. The service against PostGraphile 5 on the same database: the same tenant runtime role and
 * policies, the same data, the same tokens (verified by the service's TokenService in both) and
 * the same signed tenant context (PostGraphile's pgSettings). Answers checked identical first.
 */
export const postgraphilePeer: Scenario = {
  id: 8,
  title: 'Against PostGraphile 5',
  target: 'project ÷ PostGraphile ≥ 2.0 req/s (lookup by id; 20 newest visible, PostGraphile calling app.list_visible_resources)',
  async run(ctx) {
    const { sample, tokens } = await tenantRotation(ctx);
    const app = await ctx.mainApp();
    const db = ctx.cluster.main;
    const peer = await startPostgraphile({ ...ctx.appEnv, BENCH_PG_URL: db.tenantUrl, BENCH_OWNER_URL: db.ownerUrl });
    try {
      const lookupBody = (i: number) => JSON.stringify({ query: LOOKUP, variables: { id: sample[i].ids[0] } });
      const listingBody = () => JSON.stringify({ query: LISTING });
      const endpoints = [
        {
          name: 'lookup by id',
          a: (i: number) => `/v1/resources/${sample[i].ids[0]}`,
          b: lookupBody,
          serviceRows: (body: any) => [fromService(body)],
          peerRows: (body: any) => body.data.allResources.nodes.map((n: any) => fromGraphql({ ...n, id: n.rowId })),
        },
        {
          name: '20 newest visible',
          a: () => '/v1/resources?limit=20',
          b: listingBody,
          serviceRows: (body: any) => [...body.items.map(fromService), { total: body.total }],
          peerRows: (body: any) => {
            const nodes = body.data.appListVisibleResources.nodes;
            return [...nodes.filter((n: any) => n.id !== null).map(fromGraphql), { total: nodes[0]?.total ?? 0 }];
          },
        },
      ];

      // Same answers on both sides for every tenant in the rotation, or the comparison is void.
      for (const e of endpoints) {
        for (let i = 0; i < sample.length; i += 10) {
          const [ra, rb] = await Promise.all([
            getJson(app.baseUrl, e.a(i), { authorization: tokens[i] }),
            postJson(peer.baseUrl, '/graphql', { authorization: tokens[i] }, JSON.parse(e.b(i))),
          ]);
          const errors = (rb.body as { errors?: unknown })?.errors;
          if (ra.status !== 200 || rb.status !== 200 || errors) {
            throw new Error(`${e.name}: ${ra.status} from the service, ${rb.status} from PostGraphile ${JSON.stringify(errors ?? '')}`);
          }
          if (canonical(e.serviceRows(ra.body)) !== canonical(e.peerRows(rb.body))) {
            throw new Error(`${e.name}: the service and PostGraphile answer differently for tenant ${sample[i].tenantId}`);
          }
        }
      }

      const comparisons: Comparison[] = [];
      const twice = { text: '≥ 2.0', ok: (r: number) => r >= 2 };
      for (const e of endpoints) {
        ctx.log(`  ${e.name}`);
        let n = 0;
        const service = () =>
          withCpu(app.pid, () =>
            httpLoad({
              baseUrl: app.baseUrl,
              path: e.a(0),
              connections: ctx.opts.connections,
              durationSec: ctx.opts.legSec,
              setupRequest: (req) => {
                const i = n++ % sample.length;
                return { ...req, path: e.a(i), headers: { ...req.headers, authorization: tokens[i] } };
              },
            }),
          );
        let m = 0;
        const postgraphile = () =>
          withCpu(peer.child.pid!, () =>
            httpLoad({
              baseUrl: peer.baseUrl,
              path: '/graphql',
              method: 'POST',
              connections: ctx.opts.connections,
              durationSec: ctx.opts.legSec,
              setupRequest: (req) => {
                const i = m++ % sample.length;
                return {
                  ...req,
                  path: '/graphql',
                  body: e.b(i),
                  headers: { ...req.headers, authorization: tokens[i], 'content-type': 'application/json' },
                };
              },
            }),
          );
        const ab = await alternate({ rounds: ctx.opts.rounds, a: service, b: postgraphile });
        comparisons.push(
          comparison(ab, { name: e.name, a: 'the service', b: 'PostGraphile', metric: 'rps', unit: 'req/s', target: twice }),
          comparison(ab, { name: e.name, a: 'the service', b: 'PostGraphile', metric: 'p99Us', unit: 'µs' }),
          comparison(ab, { name: e.name, a: 'the service', b: 'PostGraphile', metric: 'appCpuUs', unit: 'µs of server CPU per request' }),
          comparison(ab, { name: e.name, a: 'the service', b: 'PostGraphile', metric: 'pgCpuUs', unit: 'µs of Postgres CPU per request' }),
        );
      }
      const missed = comparisons.filter((c) => c.met === false).map((c) => `${c.name} ${c.ratio.toFixed(2)}`);
      return {
        status: statusOf(comparisons),
        summary:
          comparisons
            .filter((c) => c.met !== undefined)
            .map((c) => `${c.name} ${c.ratio.toFixed(2)}`)
            .join('; ') + (missed.length ? ` (missed: ${missed.join(', ')})` : ''),
        comparisons,
        metrics: { 'tenants in rotation': sample.length, 'PostGraphile': '5.1.5 (Amber preset), node:http, pool of DB_POOL_SIZE' },
        notes: [
          'A = the service (GET /v1/resources/:id, GET /v1/resources?limit=20); B = PostGraphile 5.1.5 in its own process on the same database as the tenant runtime role, with the same access tokens verified by the service\'s TokenService and the signed tenant context set through pgSettings (BEGIN, set_config, the query, COMMIT per request). The lookup is `allResources(condition: {rowId})` (PostGraphile 5 names the `id` column `rowId`); the listing calls the service\'s own `app.list_visible_resources`. Before timing, both answered identically (tenant, id, kind, name, content, sharing mode; the listing\'s total) for every tenth tenant of the rotation.',
          `${sample.length} tenants in rotation (a different token per request), ${ctx.opts.connections} connections; the load driver runs on the same 2 cores as both servers and Postgres. Server CPU is each side's own process (the service's app process, PostGraphile's process).`,
        ],
      };
    } finally {
      peer.child.kill('SIGTERM');
    }
  },
};
