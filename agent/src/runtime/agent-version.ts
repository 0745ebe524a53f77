import { readFileSync } from 'node:fs';

/**
 * The agent's version from its package.json. The file sits two levels up
 * from both `src/runtime/` (tests) and `dist/runtime/` (installed), so one
 * relative URL serves both.
 */
export const AGENT_VERSION: string = readVersion();

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
