import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Sample } from './ab.js';
import { percentile } from './stats.js';

/** What one iteration of a worker did: how many operations, and each one's latency in ms. */
export type Unit = (client: pg.PoolClient, record: (ms: number) => void) => Promise<number>;

/**
 * `workers` concurrent clients of `pool`, each running `unit` in a loop for `durationSec`.
 * Returns operations per second and the latency percentiles of the recorded operations.
 */
export async function dbLoad(pool: pg.Pool, workers: number, durationSec: number, unit: Unit): Promise<Sample> {
  const clients = await Promise.all(Array.from({ length: workers }, () => pool.connect()));
  const latencies: number[] = [];
  const record = (ms: number) => latencies.push(ms);
  let ops = 0;
  const start = performance.now();
  const deadline = start + durationSec * 1000;
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < deadline) {
          // not `ops += await …`: that reads `ops` before the await, and the concurrent workers'
          // increments would overwrite one another (it counted about one worker in 16)
          const done = await unit(c, record);
          ops += done;
        }
      }),
    );
  } finally {
    for (const c of clients) c.release();
  }
  const elapsed = (performance.now() - start) / 1000;
  return {
    opsPerSec: ops / elapsed,
    p50Us: Math.round(percentile(latencies, 50) * 1000),
    p99Us: Math.round(percentile(latencies, 99) * 1000),
  };
}

/** Times one query and records its latency. */
export async function timed<T>(record: (ms: number) => void, q: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const r = await q();
  record(performance.now() - t0);
  return r;
}
