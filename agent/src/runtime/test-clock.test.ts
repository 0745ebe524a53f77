import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { TEST_CLOCK_ENV, testClockFromEnv } from './test-clock.js';

describe('testClockFromEnv', () => {
  it('is absent unless the variable is set', () => {
    expect(testClockFromEnv({})).toBeUndefined();
    expect(testClockFromEnv({ [TEST_CLOCK_ENV]: ' ' })).toBeUndefined();
  });

  it('starts at the instant given and runs on', () => {
    const clock = testClockFromEnv({ [TEST_CLOCK_ENV]: '2026-11-28T23:00:00+02:00' });
    const read = clock?.().getTime() ?? 0;
    expect(read).toBeGreaterThanOrEqual(Date.parse('2026-11-28T21:00:00Z'));
    // Runs at real speed: far less than a minute passes within this test.
    expect(read).toBeLessThan(Date.parse('2026-11-28T21:01:00Z'));
  });

  it('refuses an instant without its offset or a non-date, naming the variable', () => {
    for (const bad of ['2026-11-28T23:00:00', 'Saturday', '2026-13-40T99:00:00Z']) {
      let caught: unknown;
      try {
        testClockFromEnv({ [TEST_CLOCK_ENV]: bad });
      } catch (err) {
        caught = err;
      }
      expect(isSkolnetError(caught, ErrorCodes.CONFIG_INVALID)).toBe(true);
      expect(String((caught as Error).message)).toContain(TEST_CLOCK_ENV);
    }
  });
});
