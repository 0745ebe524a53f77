/**
 * What both command lines share, run as a user runs them: one error
 * convention (`error: <message> (<SKOLNET_CODE>)`, exit 2 for what the user
 * must fix), and `plan` output that follows whether stdout is a terminal,
 * under a real pseudo-terminal from util-linux `script`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandWorks, missingComponent } from '../support/real-component.js';
import { agentBin, collectorBin, runToEnd } from '../support/processes.js';

const CLI_ERROR = /^error: .+ \((SKOLNET_[A-Z_]+)\)$/;

describe('one error convention for skolnet-agent and skolnet-collector', () => {
  const bins: Record<string, string> = { 'skolnet-agent': agentBin, 'skolnet-collector': collectorBin };
  it.each([
    ['skolnet-agent', 'assess --only nope', false],
    ['skolnet-collector', 'plan --budget -5', true],
    ['skolnet-agent', 'assess --bogus', true],
    ['skolnet-collector', 'plan --bogus', true],
  ])('%s %s exits 2 with SKOLNET_CLI_BAD_ARGUMENT', async (name, args, pointsToHelp) => {
    const run = await runToEnd([bins[name]!, ...args.split(' ')]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(CLI_ERROR);
    expect(CLI_ERROR.exec(lines[0]!)?.[1]).toBe('SKOLNET_CLI_BAD_ARGUMENT');
    if (pointsToHelp) expect(lines.slice(1)).toEqual([`see ${name} --help`]);
  });
});

const noScript = missingComponent(
  'script (util-linux)',
  commandWorks('script', ['--version']),
  'apt-get install util-linux',
);

describe.skipIf(noScript)('skolnet-collector plan on a terminal and in a pipe', () => {
  let dir: string;
  let instance: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-cli-tty-'));
    instance = join(dir, 'instance.json');
    writeFileSync(
      instance,
      JSON.stringify({
        schools: [
          { id: 'a', options: [{ id: 'fibre', cost_eur: 40_000, benefit: 30 }] },
          { id: 'b', options: [{ id: 'wifi', cost_eur: 15_000, benefit: 12 }] },
          { id: 'c', options: [{ id: 'lte', cost_eur: 70_000, benefit: 20 }] },
        ],
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const summary = 'plan: 2 schools funded, 55,000 EUR of 60,000 EUR, benefit 42, optimal';

  it('prints a table on a pseudo-terminal, with the summary', async () => {
    // `script` gives the command a pseudo-terminal for stdin, stdout and stderr alike.
    const command = [process.execPath, collectorBin, 'plan', '--instance', instance, '--budget', '60000']
      .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
      .join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    const lines = output.replaceAll('\r', '').trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^school\s+option\s+cost EUR\s+benefit$/),
      expect.stringMatching(/^a\s+fibre\s+40,000\s+30$/),
      expect.stringMatching(/^b\s+wifi\s+15,000\s+12$/),
      summary,
    ]);
  });

  it('prints JSON into a pipe, with the summary on stderr', async () => {
    const run = await runToEnd([collectorBin, 'plan', '--instance', instance, '--budget', '60000']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as { total_cost_eur: number };
    expect(plan.total_cost_eur).toBe(55_000);
    expect(run.stderr).toBe(`${summary}\n`);
  });
});
