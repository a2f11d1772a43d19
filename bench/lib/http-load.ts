import autocannon, { type AutocannonResult } from 'autocannon';
import type { Sample } from './ab.js';
import { mean, percentile } from './stats.js';

export interface LoadOptions {
  /** base URL of the app on loopback, e.g. http://127.0.0.1:4321 */
  baseUrl: string;
  path: string;
  /** GET unless said (scenario 8 POSTs GraphQL) */
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** concurrent connections */
  connections: number;
  durationSec: number;
  /** stop after this many requests instead of after durationSec */
  amount?: number;
  /** per-request setup (e.g. a different tenant's token each time) */
  setupRequest?: (req: { path: string; headers: Record<string, string> }) => {
    path: string;
    headers: Record<string, string>;
    body?: string;
  };
}

export class LoadError extends Error {}

/**
 * One autocannon leg. Every answer must be 2xx: a leg with errors, timeouts or other statuses
 * throws rather than reporting the speed of failing requests.
 */
export async function httpLoad(opts: LoadOptions): Promise<Sample> {
  const instance = autocannon({
    url: opts.baseUrl + opts.path,
    connections: opts.connections,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.durationSec }),
    headers: opts.headers,
    timeout: 10,
    ...(opts.setupRequest
      ? {
          requests: [
            {
              method: opts.method ?? 'GET',
              setupRequest: (req: { path: string; headers: Record<string, string> }) =>
                opts.setupRequest!({ ...req, headers: { ...(opts.headers ?? {}), ...(req.headers ?? {}) } }),
            },
          ],
        }
      : {}),
  });
  // autocannon's own histogram keeps whole milliseconds; its 'response' event has the latency
  // in fractional milliseconds, so the percentiles here are exact to the microsecond
  const latenciesMs: number[] = [];
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latenciesMs.push(ms);
  });
  const result: AutocannonResult = await instance;
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    const codes = JSON.stringify(result.statusCodeStats ?? {});
    throw new LoadError(
      `${opts.method ?? 'GET'} ${opts.path}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts (status codes ${codes})`,
    );
  }
  return {
    rps: result['2xx'] / result.duration,
    requests: result['2xx'],
    p50Us: Math.round(percentile(latenciesMs, 50) * 1000),
    p99Us: Math.round(percentile(latenciesMs, 99) * 1000),
    meanUs: Math.round(mean(latenciesMs) * 1000),
  };
}
