import { defineConfig } from 'vitest/config';
import { skolnetAliases } from '../../vitest.config.js';

// Benchmarks run one file at a time so they do not compete for the two cores.
export default defineConfig({
  resolve: { alias: skolnetAliases },
  test: {
    include: ['test/bench/**/*.bench.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
