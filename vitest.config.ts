import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index'): string =>
  fileURLToPath(new URL(`./${pkg}/src/${entry}.ts`, import.meta.url));

/**
 * Tests run the TypeScript sources; processes spawned by e2e tests run the
 * built dist/. A subpath comes before its package: the first match wins.
 */
export const skolnetAliases: Record<string, string> = {
  '@skolnet/shared/core': src('shared', 'core'),
  '@skolnet/shared': src('shared'),
  '@skolnet/dashboards': src('dashboards'),
  '@skolnet/collector': src('collector'),
  '@skolnet/agent': src('agent'),
};

export default defineConfig({
  resolve: { alias: skolnetAliases },
  test: {
    include: ['{shared,agent,collector,dashboards}/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Benchmarks and the resilience suite have their own configs and commands.
    exclude: ['**/node_modules/**', '**/dist/**', 'test/bench/**', 'test/resilience/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real-component tests (processes, ports, namespaces) do not share well across threads on 2 cores.
    fileParallelism: true,
    pool: 'forks',
  },
});
