import { execFileSync } from 'node:child_process';

/**
 * Decides what a test does when a real component it needs is missing:
 * skip with the reason on a developer's machine, fail under CI (env `CI`
 * set), so CI never passes on a skipped real-component test.
 *
 * Returns `undefined` when the component is there, otherwise the reason to
 * pass to `it.skipIf` / `describe.skipIf`; under CI it throws instead.
 */
export function missingComponent(name: string, present: boolean, hint: string): string | undefined {
  if (present) return undefined;
  const reason = `${name} is not available (${hint})`;
  if (process.env.CI) throw new Error(`CI requires ${reason}; .ci/run should have installed it`);
  console.warn(`skipping: ${reason}`);
  return reason;
}

/** True when `command` runs and exits 0 with the given arguments. */
export function commandWorks(command: string, args: readonly string[] = ['--version']): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** The first of `candidates` that runs, or undefined. */
export function findCommand(
  candidates: readonly string[],
  args: readonly string[] = ['--version'],
): string | undefined {
  return candidates.find((c) => commandWorks(c, args));
}
