import { describe, expect, it } from 'vitest';
import { wilsonInterval } from './statistics.js';

describe('wilsonInterval', () => {
  it('matches published values', () => {
    // 5 of 10: 0.2366-0.7634 (Newcombe 1998, Table I, method 3).
    const half = wilsonInterval(5, 10);
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
    // 0 of 10: the upper end is z²/(n+z²) = 0.2775.
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.2775, 4) as number });
  });

  it('is at most ±2 percentage points at 5 % loss with the default 500 samples', () => {
    const ci = wilsonInterval(25, 500);
    expect((ci.high - ci.low) / 2).toBeLessThanOrEqual(0.02);
    // And 460 is about where that stops holding.
    const fewer = wilsonInterval(22, 440);
    expect((fewer.high - fewer.low) / 2).toBeGreaterThan(0.02);
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(1, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(11, 10)).toThrow(RangeError);
  });
});
