import { execFileSync } from 'node:child_process';

/**
 * The one policy for tests that need a real component (a Debian package,
 * root, a namespace, the npm registry): on a developer's machine such a test
 * skips with the reason shown; under CI it fails, so CI never passes on a
 * skipped real-component test. Every test takes its skip decision from here;
 * nothing of it ships in the agent.
 */

/**
 * True when the tests run under CI: `CI` is set to anything but empty, `0`
 * or `false` (any case, surrounding blanks ignored). CI services set
 * `CI=true`; a developer who exports `CI=false` or `CI=0` means "not CI".
 */
export function runningUnderCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/**
 * Applies the policy to why a component is unusable: `undefined` (it is
 * usable) gives `undefined`; otherwise, under CI, throws; elsewhere warns and
 * returns the reason, for `it.skipIf` / `describe.skipIf` or `ctx.skip`.
 *
 * @throws Error when `missing` is set and the tests run under CI
 */
export function skipReason(
  missing: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (missing === undefined) return undefined;
  if (runningUnderCi(env)) throw new Error(`CI requires ${missing}; .ci/run should have installed it`);
  console.warn(`skipping: ${missing}`);
  return missing;
}

/**
 * {@link skipReason} for a component known by name: `undefined` when it is
 * present, otherwise the reason to pass to `it.skipIf` / `describe.skipIf`;
 * under CI it throws instead.
 */
export function missingComponent(
  name: string,
  present: boolean,
  hint: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return skipReason(present ? undefined : `${name} is not available (${hint})`, env);
}

/**
 * {@link skipReason} inside a test: skips it through `skip` (pass Vitest's
 * `ctx.skip`) when `missing` is set, throws under CI.
 *
 * @param skip skips the current test with a note; expected not to return
 */
export function requireComponent(
  missing: string | undefined,
  skip: (note: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const reason = skipReason(missing, env);
  if (reason !== undefined) skip(`component missing: ${reason}`);
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
