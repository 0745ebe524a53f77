/**
 * Least time between two log lines of one kind of expected refusal, in ms:
 * a minute. Anyone can provoke a refusal (a busy speed test, a slow body)
 * as often as they like; one line a minute with the count of those left
 * out keeps the log readable and its disk bounded, and `/metrics` has the
 * exact counts.
 */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/** Decides whether a line of a given kind may be logged now. */
export interface LogLimiter {
  /**
   * Returns undefined when a line of `kind` was logged less than the
   * interval ago (the call is counted); otherwise how many were left out
   * since the last line, and the line may be written.
   */
  take(kind: string): { suppressed: number } | undefined;
}

/** Creates a {@link LogLimiter}; `now` in ms, monotonic. */
export function createLogLimiter(
  intervalMs: number = REFUSAL_LOG_INTERVAL_MS,
  now: () => number = () => performance.now(),
): LogLimiter {
  const kinds = new Map<string, { lastAt: number; suppressed: number }>();
  return {
    take(kind) {
      const at = now();
      const state = kinds.get(kind);
      if (state !== undefined && at - state.lastAt < intervalMs) {
        state.suppressed += 1;
        return undefined;
      }
      const suppressed = state?.suppressed ?? 0;
      kinds.set(kind, { lastAt: at, suppressed: 0 });
      return { suppressed };
    },
  };
}
