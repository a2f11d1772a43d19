import type { AbResult } from './ab.js';
import type { Comparison } from './types.js';

/** Builds a Comparison from an A/B result for one metric, with an optional target check. */
export function comparison(
  ab: AbResult,
  o: {
    name: string;
    a: string;
    b: string;
    metric: string;
    unit: string;
    target?: { text: string; ok: (ratio: number) => boolean };
  },
): Comparison {
  const ratio = ab.ratio[o.metric];
  return {
    name: o.name,
    a: o.a,
    b: o.b,
    metric: o.metric,
    unit: o.unit,
    medianA: ab.medianA[o.metric],
    medianB: ab.medianB[o.metric],
    ratio,
    target: o.target?.text,
    met: o.target ? o.target.ok(ratio) : undefined,
    rounds: ab.rounds,
    samples: { a: ab.a, b: ab.b },
  };
}

/** met when every targeted comparison is met, missed otherwise. */
export function statusOf(comparisons: Comparison[]): 'met' | 'missed' | 'measured' {
  const targeted = comparisons.filter((c) => c.met !== undefined);
  if (targeted.length === 0) return 'measured';
  return targeted.every((c) => c.met) ? 'met' : 'missed';
}
