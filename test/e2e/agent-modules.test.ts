import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NODE_OPTIONS } from '@skolnet/agent';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, agentBin } from '../support/processes.js';

/** ES module loader hooks that append each loaded URL to the file given at registration. */
const RECORDER_HOOKS = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, nextLoad) {
  appendFileSync(out, url + '\\n');
  return nextLoad(url, context);
}`;

/** A module for `node --import` that registers {@link RECORDER_HOOKS}, recording into `out`. */
function moduleRecorder(out: string): string {
  const hooks = `data:text/javascript,${encodeURIComponent(RECORDER_HOOKS)}`;
  const preload = `import { register } from 'node:module';
register(${JSON.stringify(hooks)}, { data: { out: ${JSON.stringify(out)} } });`;
  return `data:text/javascript,${encodeURIComponent(preload)}`;
}

/**
 * The agent's footprint budget (60 MB, docs/footprint.md) has no room for
 * TypeBox: loading its modules and compiling checks cost it about 6 MB. The
 * long-running `run` checks with the validators generated at build time
 * (`@skolnet/shared/core`). This runs the real agent through start-up,
 * probes and deliveries and lists every ES module it loaded.
 */
describe('skolnet-agent run loads no TypeBox', () => {
  let dir: string;
  let collector: TestCollector | undefined;
  let agent: RunningProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-modules-'));
    collector = await startTestCollector(join(dir, 'collector'));
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs probes, checks their results and delivers them with the generated validators only', async () => {
    const state = join(dir, 'agent');
    await enrollAgent(collector!.url, collector!.adminToken, state);
    const out = join(dir, 'modules.txt');
    agent = new RunningProcess('agent', [
      ...AGENT_NODE_OPTIONS,
      '--import',
      moduleRecorder(out),
      agentBin,
      'run',
      '--state',
      state,
      '--only',
      'host,latency,http',
      '--set',
      'latency.gateway=off',
      '--set',
      'latency.count=2',
    ]);
    // Each probe's results pass the Measurement and Result checks before
    // they are queued; the welcome and acks pass the CollectorMessage check.
    await agent.waitFor(/probe host done/, 60_000);
    await agent.waitFor(/probe latency done/, 60_000);
    await agent.waitFor(/probe http done/, 60_000);
    await agent.waitFor(/batch acked/, 60_000);
    await agent.stop('SIGTERM');

    const loaded = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    // The recorder saw the agent's own modules, so an empty list cannot pass.
    expect(loaded.some((u) => u.endsWith('/agent/dist/commands/run-command.js'))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/shared/dist/core.js'))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/shared/dist/checks.generated.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/@sinclair/typebox/'))).toEqual([]);
    expect(loaded.filter((u) => u.endsWith('/shared/dist/index.js'))).toEqual([]);
  });
});
