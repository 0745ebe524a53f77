import { defineConfig } from 'vitest/config';
import { skolnetAliases } from '../../vitest.config.js';

/**
 * `npm run test:resilience`: the attacks of issue 20 kept as a suite, and
 * the long runs that need the machine to themselves (an acceptance campaign
 * run by a real agent on a compressed clock, where a stall of the machine
 * is minutes of school time). One file at a time: each starts collectors,
 * agents, PostgreSQL or a proxy, and kills some of them, which does not
 * share two cores well.
 */
export default defineConfig({
  resolve: { alias: skolnetAliases },
  test: {
    include: ['test/resilience/**/*.test.ts'],
    globalSetup: ['test/resilience/global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
