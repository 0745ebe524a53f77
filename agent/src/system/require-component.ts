/**
 * What a test does when a real component it needs (root, `nft`, `ping`) is
 * missing: on a developer's laptop it skips with the reason shown; when the
 * `CI` environment variable is set it fails, so CI never passes on a skipped
 * real-component test (ARCHITECTURE.md, Tests).
 *
 * Test-framework neutral on purpose, so this file ships without pulling a
 * test runner into the agent: pass Vitest's `ctx.skip` as `skip`.
 *
 * @param missing why the component is unusable, or `undefined` when it is fine
 * @param skip skips the current test with a note; expected not to return
 * @param env the environment to read `CI` from
 * @throws Error when `missing` is set and `CI` is set
 */
export function requireComponent(
  missing: string | undefined,
  skip: (note: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (missing === undefined) return;
  if (isCi(env)) {
    throw new Error(`required test component missing, and CI is set so this fails: ${missing}`);
  }
  skip(`skipped, component missing: ${missing}`);
}

/** True when `CI` is set to something other than empty, `0` or `false`. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}
