import { readFileSync } from 'node:fs';

/**
 * The collector's version from its package.json. Both `src/` and `dist/`
 * sit one level below the package root, so one relative path serves both.
 */
export function collectorVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
