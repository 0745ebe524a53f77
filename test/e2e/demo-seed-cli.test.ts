/**
 * `node scripts/dist/demo-seed.js` reads its command line before it writes
 * anything: `--help` prints the usage and exits 0, an unknown option or a
 * stray argument exits 2 with `SKOLNET_CLI_BAD_ARGUMENT`, and neither
 * creates the data directory.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, runToEnd } from '../support/processes.js';

const seedBin = `${repoRoot}scripts/dist/demo-seed.js`;

describe('demo:seed command line', () => {
  let dir: string;
  let data: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-seed-cli-'));
    data = join(dir, 'data');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([[['--help']], [['-h']], [['--schools', '5', '--help']]])(
    '%j prints the usage, exits 0 and seeds nothing',
    async (args) => {
      // SKOLNET_DATA points where a seed would write, so a run that ignored --help shows.
      const run = await runToEnd([seedBin, ...args], { SKOLNET_DATA: data });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: npm run demo:seed/);
      expect(run.stdout).toContain('--schools N');
      expect(run.stderr).toBe('');
      expect(existsSync(data)).toBe(false);
    },
  );

  it.each([
    [['--bogus'], /--bogus/],
    [['seed-it'], /seed-it/],
    [['--schools'], /--schools/],
    [['--schools', 'many'], /--schools expects a whole number/],
  ])('%j exits 2 naming what is wrong and seeds nothing', async (args, names) => {
    const run = await runToEnd([seedBin, ...args], { SKOLNET_DATA: data });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^demo:seed: error: .+ \(SKOLNET_CLI_BAD_ARGUMENT\)\n$/);
    expect(run.stderr).toMatch(names);
    expect(existsSync(data)).toBe(false);
  });
});
