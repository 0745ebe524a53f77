import { describe, expect, it } from 'vitest';
import { median, nearestRank, percentile } from './statistics.js';

/** Brute force: the smallest value with at least p % of the values at or below it. */
function smallestReaching(values: readonly number[], p: number): number {
  const candidates = [...values].sort((a, b) => a - b);
  for (const c of candidates) {
    if (values.filter((v) => v <= c).length >= (p / 100) * values.length) return c;
  }
  return candidates[candidates.length - 1]!;
}

describe('percentile', () => {
  it('is the nearest rank: a measured value, never an interpolated one', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95)).toBe(19);
  });

  it('agrees with a brute-force definition for every rank of small lists', () => {
    for (let n = 1; n <= 12; n += 1) {
      const values = Array.from({ length: n }, (_, i) => ((i * 7919) % 13) - 4);
      for (let p = 1; p <= 100; p += 1) {
        expect(percentile(values, p), `n=${n} p=${p}`).toBe(smallestReaching(values, p));
      }
    }
  });

  it('is undefined for an empty list, and leaves its input unsorted', () => {
    expect(percentile([], 50)).toBeUndefined();
    const input = [3, 1, 2];
    percentile(input, 50);
    expect(input).toEqual([3, 1, 2]);
  });

  it('rejects a rank outside 0-100, empty list or not', () => {
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
    expect(() => percentile([], -1)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the middle two', () => {
    expect(median([70, 30, 50])).toBe(50);
    expect(median([100, 10, 40, 20])).toBe(30);
    expect(median([5])).toBe(5);
  });

  it('is undefined for an empty list', () => {
    expect(median([])).toBeUndefined();
  });
});

describe('nearestRank', () => {
  it('stays within 1-n', () => {
    expect(nearestRank(0, 5)).toBe(1);
    expect(nearestRank(100, 5)).toBe(5);
    expect(nearestRank(95, 20)).toBe(19);
  });

  it('rejects an empty count', () => {
    expect(() => nearestRank(50, 0)).toThrow(RangeError);
  });
});
