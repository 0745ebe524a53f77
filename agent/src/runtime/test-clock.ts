import { performance } from 'node:perf_hooks';
import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';

/**
 * Environment variable that sets the clock of `skolnet-agent run` (and of
 * the collector `npm start` starts) for tests: an ISO 8601 instant with
 * its offset, e.g. `2026-11-28T23:00:00+02:00`. The clock starts there and
 * runs on at real speed, so a test can put the agent on a Saturday night
 * or a Monday morning without waiting for one. Never set it in
 * production: results would carry the wrong times.
 */
export const TEST_CLOCK_ENV = 'SKOLNET_TEST_CLOCK_START';

/**
 * The clock named by {@link TEST_CLOCK_ENV}, or undefined when the
 * variable is unset or empty.
 * @throws SkolnetError `SKOLNET_CONFIG_INVALID` naming the variable when its value is not an instant with an offset.
 */
export function testClockFromEnv(env: NodeJS.ProcessEnv): (() => Date) | undefined {
  const raw = env[TEST_CLOCK_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  // An offset is required: a bare local time would depend on the host's zone.
  const start = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw.trim())
    ? Date.parse(raw.trim())
    : Number.NaN;
  if (Number.isNaN(start)) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `${TEST_CLOCK_ENV}=${JSON.stringify(raw)}: expected an ISO 8601 instant with its offset, e.g. 2026-11-28T23:00:00+02:00`,
    );
  }
  // Monotonic: a wall-clock step on the host must not move the test's clock.
  const origin = performance.now();
  return () => new Date(start + (performance.now() - origin));
}

/**
 * A clock that runs faster than real time, for tests that compress school
 * days, nights and weekends into minutes and still let the agent's own
 * scheduler place every run (test/lab/acceptance-agent.test.ts). Never
 * used by `skolnet-agent` itself.
 */
export interface CompressedClock {
  now(): Date;
  /** Clock ms per real ms while no work holds it at real speed. */
  readonly rate: number;
  /**
   * Runs `work` with the clock at real speed, then fast again: a transfer
   * or a 2 s look at the line takes the time it takes, so a test that
   * takes seconds does not take hours of the compressed day.
   */
  atRealSpeed<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * A {@link CompressedClock} starting at `startMs` (ms since the epoch) and
 * running `rate` times faster than `realNow` (monotonic ms; default
 * `performance.now`) except inside {@link CompressedClock.atRealSpeed}.
 */
export function createCompressedClock(
  startMs: number,
  rate: number,
  realNow: () => number = () => performance.now(),
): CompressedClock {
  if (!(Number.isFinite(rate) && rate >= 1))
    throw new RangeError(`clock rate must be at least 1, got ${rate}`);
  let anchorClock = startMs;
  let anchorReal = realNow();
  let held = 0;
  const read = (): number => anchorClock + (realNow() - anchorReal) * (held > 0 ? 1 : rate);
  const reanchor = (): void => {
    anchorClock = read();
    anchorReal = realNow();
  };
  return {
    rate,
    now: () => new Date(read()),
    async atRealSpeed<T>(work: () => Promise<T>): Promise<T> {
      reanchor();
      held += 1;
      try {
        return await work();
      } finally {
        reanchor();
        held -= 1;
      }
    },
  };
}
