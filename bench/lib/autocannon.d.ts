// autocannon ships no types; the harness uses only these members of its programmatic API.
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    total: number;
  }
  export interface AutocannonResult {
    requests: Histogram & { sent: number };
    latency: Histogram;
    throughput: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    statusCodeStats?: Record<string, { count: number }>;
  }
  export interface AutocannonOptions {
    url: string;
    connections?: number;
    pipelining?: number;
    duration?: number;
    amount?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Array<Record<string, unknown>>;
    timeout?: number;
    workers?: number;
  }
  /** what autocannon returns (a promise of the result, and an emitter to stop it early) */
  export interface Instance extends Promise<AutocannonResult> {
    stop(): void;
    /** every answer, with its latency in fractional milliseconds (hrtime) */
    on(event: 'response', fn: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void): this;
  }
  function autocannon(opts: AutocannonOptions): Instance;
  export default autocannon;
}
