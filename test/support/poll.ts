import { setTimeout as delay } from 'node:timers/promises';

/** How long {@link eventually} keeps trying by default, in ms: a bound for a stuck test, never a timing assertion. */
export const EVENTUALLY_TIMEOUT_MS = 30_000;

/** First and longest pause between attempts, in ms: quick for conditions met at once, light on two shared cores for slow ones. */
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 200;

/**
 * Polls `check` until it returns without throwing (an `expect` that holds,
 * or a value) and returns what it returned. Instead of a fixed sleep that
 * races the condition, a test waits for the condition itself. The pause
 * between attempts doubles from 5 ms up to 200 ms. After `timeoutMs` the
 * last failure is thrown, so the test reports what did not hold.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  { timeoutMs = EVENTUALLY_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (performance.now() >= deadline) throw err;
    }
    await delay(pause);
    pause = Math.min(LONGEST_PAUSE_MS, pause * 2);
  }
}

/**
 * Polls `check` until it returns true, as {@link eventually} does; after
 * `timeoutMs` fails with `what`, the condition that never held.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = EVENTUALLY_TIMEOUT_MS }: { timeoutMs?: number } = {},
): Promise<void> {
  await eventually(
    async () => {
      if (!(await check())) throw new Error(`${what}: not within ${timeoutMs} ms`);
    },
    { timeoutMs },
  );
}
