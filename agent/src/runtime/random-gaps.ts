/**
 * Random gaps between runs. Independent exponential gaps make each
 * agent's runs a Poisson process: no two agents of the fleet fall into
 * step, whenever they were started, and no run time is more likely than
 * another (a fixed interval with ±10 % jitter keeps agents that started
 * together close for days).
 */

/**
 * Shortest gap, as a fraction of the interval. A raw exponential draw is
 * below 10 % of its mean one time in ten; two heavy tests a few minutes
 * apart would measure the same minute of the line twice and cost its data
 * twice.
 */
export const MIN_GAP_FACTOR = 0.1;

/**
 * Longest gap, as a multiple of the interval. An uncapped exponential
 * draw exceeds 3× its mean one time in twenty and 5× one time in 150:
 * a daily probe would go a week without a result. 3× bounds the silence
 * while leaving the distribution's shape (and its memorylessness)
 * almost untouched.
 */
export const MAX_GAP_FACTOR = 3;

/** Uniform random numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * A small seeded generator (mulberry32) for tests and reproducible
 * simulations; the agent itself uses `Math.random`.
 */
export function createSeededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mean of min(max(s·X, a), b) for X ~ Exp(1), in closed form: a + s·e^(−a/s) − s·e^(−b/s). */
function clampedMean(scale: number, lo: number, hi: number): number {
  return lo + scale * Math.exp(-lo / scale) - scale * Math.exp(-hi / scale);
}

/**
 * The scale s for which a gap of s·interval·X, clamped to
 * [lo·interval, hi·interval], averages exactly one interval. Clamping
 * alone would shorten the mean by about 5 % (the cut tail outweighs the
 * raised floor), so a probe would run more often than configured.
 */
export function exponentialScale(lo = MIN_GAP_FACTOR, hi = MAX_GAP_FACTOR): number {
  if (!(lo >= 0 && lo < 1 && hi > 1)) throw new RangeError(`gap bounds must satisfy 0 <= ${lo} < 1 < ${hi}`);
  // The clamped mean rises with s (from lo towards hi): bisection.
  let low = 1e-6;
  let high = 10;
  for (let i = 0; i < 100; i += 1) {
    const mid = (low + high) / 2;
    if (clampedMean(mid, lo, hi) < 1) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

const DEFAULT_SCALE = exponentialScale();

/**
 * One random gap around `intervalMs`: exponential, clamped to
 * [{@link MIN_GAP_FACTOR}, {@link MAX_GAP_FACTOR}] × interval, scaled so
 * that the mean over many draws is the interval.
 */
export function exponentialGap(intervalMs: number, random: RandomSource): number {
  const u = random();
  // 1 − u is in (0, 1], so the logarithm is finite.
  const x = -Math.log(1 - u);
  const gap = DEFAULT_SCALE * intervalMs * x;
  return Math.min(Math.max(gap, MIN_GAP_FACTOR * intervalMs), MAX_GAP_FACTOR * intervalMs);
}
