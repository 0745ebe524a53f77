import { describe, expect, it } from 'vitest';
import { createCompressedClock } from './test-clock.js';

describe('createCompressedClock', () => {
  it('runs at its rate, and at real speed inside atRealSpeed', async () => {
    let real = 0;
    const clock = createCompressedClock(Date.parse('2026-12-04T05:00:00Z'), 600, () => real);
    real = 1000; // one real second: ten minutes
    expect(clock.now().toISOString()).toBe('2026-12-04T05:10:00.000Z');
    await clock.atRealSpeed(() => {
      real += 3000; // a three-second transfer
      expect(clock.now().toISOString()).toBe('2026-12-04T05:10:03.000Z');
      return Promise.resolve();
    });
    real += 100;
    expect(clock.now().toISOString()).toBe('2026-12-04T05:11:03.000Z');
    expect(() => createCompressedClock(0, 0.5)).toThrow(RangeError);
  });
});
