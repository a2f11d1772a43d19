import type { AppConfig } from '../../src/config/app-config.js';
import type { Sample } from './ab.js';
import type { AppProcess } from './app-process.js';
import type { BenchCluster, BenchDatabase } from './database.js';
import type { SeededTenant } from './seed.js';
import type { TokenSigner } from './tokens.js';

export interface BenchOptions {
  quick: boolean;
  /** A/B rounds per comparison */
  rounds: number;
  /** seconds per HTTP or database leg */
  legSec: number;
  /** concurrent HTTP connections (autocannon) */
  connections: number;
  /** concurrent database workers (scenario 2) */
  dbWorkers: number;
  /** tenants and resources per tenant in the main database */
  tenants: number;
  resourcesPerTenant: number;
  /** provisioning calls: sequential, then 8 at a time */
  provisionCount: number;
  /** run only these scenario ids */
  only?: number[];
  /** scenario 1: one more leg of the full stack alone under V8's profiler (bench/results/profiles/) */
  profile: boolean;
}

/** One A/B comparison, reported as a ratio of medians. */
export interface Comparison {
  name: string;
  a: string;
  b: string;
  metric: string;
  unit: string;
  medianA: number;
  medianB: number;
  ratio: number;
  target?: string;
  met?: boolean;
  rounds: number;
  /** every round's figures, for anyone who wants to check the medians */
  samples?: { a: Sample[]; b: Sample[] };
}

export type ScenarioStatus = 'met' | 'missed' | 'measured' | 'not run' | 'failed';

export interface ScenarioResult {
  id: number;
  title: string;
  target: string;
  status: ScenarioStatus;
  /** for "not run" and "failed" */
  reason?: string;
  /** one line for the summary table */
  summary: string;
  comparisons: Comparison[];
  metrics: Record<string, number | string>;
  notes: string[];
  seconds: number;
}

export class NotRunError extends Error {}

export interface BenchContext {
  opts: BenchOptions;
  /** bench/results: where reports (and, with --profile, profiles/) are written */
  resultsDir: string;
  config: AppConfig;
  /** environment (generated secrets etc.) every app process starts with */
  appEnv: Record<string, string>;
  cluster: BenchCluster;
  signer: TokenSigner;
  log(line: string): void;
  /** tenants of the main database (seeded once, on first use) */
  tenants(): Promise<SeededTenant[]>;
  /** the app on the main database, with the baseline routes (started once, on first use) */
  mainApp(): Promise<AppProcess>;
  /** another app process (stopped by the runner at the end) */
  startApp(db: BenchDatabase, opts?: { baseline?: boolean }): Promise<AppProcess>;
  /** shared per-run memo for datasets that several scenarios use */
  memo<T>(key: string, make: () => Promise<T>): Promise<T>;
}

export interface ScenarioOutput {
  status?: ScenarioStatus;
  /** why, for "not run" */
  reason?: string;
  summary: string;
  comparisons?: Comparison[];
  metrics?: Record<string, number | string>;
  notes?: string[];
}

export interface Scenario {
  id: number;
  title: string;
  target: string;
  run(ctx: BenchContext): Promise<ScenarioOutput>;
}
