import { median, round } from './stats.js';

/** One measured leg: named numeric metrics (e.g. rps, p50Us, p99Us: latencies in microseconds). */
export type Sample = Record<string, number>;

export interface AbResult {
  rounds: number;
  a: Sample[];
  b: Sample[];
  /** median of each metric over the rounds */
  medianA: Sample;
  medianB: Sample;
  /** median(A) / median(B) for every metric */
  ratio: Sample;
}

/**
 * Runs A, B, A, B … `rounds` times in the same process and reports the ratio of medians per
 * metric, so slow drift of a noisy machine hits both sides alike. `warmup` runs once each first.
 */
export async function alternate(opts: {
  rounds: number;
  a: () => Promise<Sample>;
  b: () => Promise<Sample>;
  warmup?: boolean;
  onRound?: (i: number, a: Sample, b: Sample) => void;
}): Promise<AbResult> {
  if (opts.warmup !== false) {
    await opts.a();
    await opts.b();
  }
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < opts.rounds; i++) {
    const sa = await opts.a();
    const sb = await opts.b();
    a.push(sa);
    b.push(sb);
    opts.onRound?.(i, sa, sb);
  }
  return { rounds: opts.rounds, a, b, ...summarise(a, b) };
}

export function summarise(a: Sample[], b: Sample[]) {
  const keys = Object.keys(a[0] ?? {});
  const medianA: Sample = {};
  const medianB: Sample = {};
  const ratio: Sample = {};
  for (const k of keys) {
    medianA[k] = round(median(a.map((s) => s[k])));
    medianB[k] = round(median(b.map((s) => s[k])));
    ratio[k] = round(medianA[k] / medianB[k]);
  }
  return { medianA, medianB, ratio };
}
