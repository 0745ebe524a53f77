/**
 * Small statistics for latency samples: a confidence interval for a loss
 * proportion. Pure functions, so the numbers in a result can be checked by
 * hand. Percentiles are `@skolnet/shared/core`'s, the one definition the
 * collector's scoring uses too.
 */

/**
 * z for a two-sided 95 % interval: the 0.975 quantile of the standard
 * normal distribution.
 */
export const Z_95 = 1.959963984540054;

/** A proportion's confidence interval, both ends as fractions in 0-1. */
export interface ProportionInterval {
  low: number;
  high: number;
}

/**
 * Wilson score interval (Wilson 1927, "Probable inference, the law of
 * succession, and statistical inference", JASA 22:209) for `successes` out
 * of `trials`, at the confidence `z` gives. Unlike the normal (Wald)
 * interval it stays inside 0-1 and does not collapse to zero width when no
 * packet was lost, which is exactly the case a school's clean line gives.
 *
 * @throws RangeError when trials is not a positive integer or successes is outside 0-trials
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): ProportionInterval {
  if (!Number.isInteger(trials) || trials <= 0) throw new RangeError(`trials must be a positive integer`);
  if (successes < 0 || successes > trials) throw new RangeError(`successes must be within 0-${trials}`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // Clamped against rounding: the exact ends are inside 0-1.
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
