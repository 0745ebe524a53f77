import { describe, expect, it } from 'vitest';
import {
  MAX_GAP_FACTOR,
  MIN_GAP_FACTOR,
  createSeededRandom,
  exponentialGap,
  exponentialScale,
} from './random-gaps.js';

describe('exponentialGap', () => {
  const interval = 6 * 3_600_000;
  const draws = (seed: number, n: number): number[] => {
    const random = createSeededRandom(seed);
    return Array.from({ length: n }, () => exponentialGap(interval, random));
  };

  it('averages the interval over many draws', () => {
    for (const seed of [1, 42, 2026]) {
      const gaps = draws(seed, 50_000);
      const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
      expect(Math.abs(mean / interval - 1)).toBeLessThan(0.02);
    }
  });

  it('stays within the caps and keeps the exponential shape in between', () => {
    const gaps = draws(7, 50_000);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(MIN_GAP_FACTOR * interval);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_GAP_FACTOR * interval);
    const s = exponentialScale();
    // P(gap <= x·interval) = 1 − e^(−x/s) between the caps.
    for (const x of [0.5, 1, 2]) {
      const share = gaps.filter((g) => g <= x * interval).length / gaps.length;
      expect(Math.abs(share - (1 - Math.exp(-x / s)))).toBeLessThan(0.01);
    }
    // The caps hold mass: the floor about 1 − e^(−0.1/s), the ceiling e^(−3/s).
    const atCeiling = gaps.filter((g) => g === MAX_GAP_FACTOR * interval).length / gaps.length;
    expect(Math.abs(atCeiling - Math.exp(-MAX_GAP_FACTOR / s))).toBeLessThan(0.01);
  });

  it('is spread: two agents with different seeds do not run in step', () => {
    const a = draws(1, 20);
    const b = draws(2, 20);
    const sameMinute = a.filter((g, i) => Math.abs(g - (b[i] ?? 0)) < 60_000).length;
    expect(sameMinute).toBeLessThan(3);
  });

  it('makes a reproducible seeded generator', () => {
    expect(draws(5, 3)).toEqual(draws(5, 3));
    expect(draws(5, 3)).not.toEqual(draws(6, 3));
  });

  it('rejects impossible caps', () => {
    expect(() => exponentialScale(1.5, 3)).toThrow(RangeError);
  });
});
