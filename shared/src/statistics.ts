/**
 * The one percentile and median of skolnet: the agent's probes, the
 * collector's scoring and rollups, and the benchmarks all take theirs from
 * here, so a p95 means the same wherever it is printed.
 *
 * Contract for empty input: `undefined`, never a throw or `NaN`. No sample
 * is an ordinary outcome (every ping of a round lost, no result in a
 * scoring window), and the type makes each caller say what it reports then.
 * A rank outside 0-100 is a programming error and throws.
 */

/**
 * The 1-based nearest rank (p in 0-100) among `n` sorted values: the
 * smallest rank whose share of the values reaches p, at least 1 and at
 * most n. For callers that sort once and read several percentiles.
 *
 * @throws RangeError when p is outside 0-100 or n is not a positive integer
 */
export function nearestRank(p: number, n: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0-100, got ${p}`);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`count must be a positive integer, got ${n}`);
  return Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
}

/**
 * Percentile by nearest rank (p in 0-100); `undefined` for an empty list.
 * Nearest rank always returns a value that was measured, which is easier to
 * defend in a report than an interpolated one. The input is not modified.
 *
 * @throws RangeError when p is outside 0-100
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) {
    // Checked here as well, so a bad rank fails on an empty list too.
    nearestRank(p, 1);
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[nearestRank(p, sorted.length) - 1];
}

/**
 * Median: the middle value, the mean of the middle two for an even count;
 * `undefined` for an empty list. Unlike `percentile(values, 50)` (nearest
 * rank, always a measured value) it splits an even count evenly, which the
 * scoring's figures use. The input is not modified.
 */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}
