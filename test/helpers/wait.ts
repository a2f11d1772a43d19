/**
 * Waits for a condition, not for a time: polls `probe` until it answers true, and fails with
 * `what` if `deadlineMs` passes first. The deadline only bounds a broken run.
 */
export async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  deadlineMs = 15_000,
  intervalMs = 10,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The q-th quantile (0..1) of `values`. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
