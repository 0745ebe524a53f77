import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, agentBin, repoRoot, runToEnd } from '../support/processes.js';

/** A scan recorded with iw on CentOS (see the wifi probe's testcases README). */
const savedScan = `${repoRoot}agent/src/probes/wifi/testcases/recorded-iw-centos-spaces-associated/input.txt`;

describe('a running agent sends what another process put in its outbox', () => {
  let dir: string;
  let collector: TestCollector | undefined;
  let agent: RunningProcess | undefined;
  const stateDir = (): string => join(dir, 'agent');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-outbox-writer-'));
    collector = await startTestCollector(join(dir, 'collector'));
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers results of wifi import without a restart', async () => {
    const { schoolId } = await enrollAgent(collector!.url, collector!.adminToken, stateDir());
    // One latency run at start (to the collector only: tests keep to loopback), then quiet for an hour.
    agent = new RunningProcess('agent', [
      agentBin,
      'run',
      '--state',
      stateDir(),
      '--only',
      'latency',
      '--set',
      'latency.gateway=off',
      '--set',
      'latency.count=1',
      '--interval',
      'latency=1h',
      '--initial-delay',
      '0s',
    ]);
    await agent.waitFor(/batch acked: \d+ sent/, 30_000);
    const { id: agentId } = (await collector!.store.listAgents(schoolId))[0]!;
    expect(await collector!.store.countResults({ agentId, measurement: 'wifi_scan' })).toBe(0);

    // Another process (the same CLI, as staff would run it) writes to the outbox file.
    const imported = await runToEnd([
      agentBin,
      'wifi',
      'import',
      savedScan,
      '--room',
      'Kabinets 12',
      '--state',
      stateDir(),
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    const [, stored] = imported.stderr.match(/stored (\d+) results in the outbox/) ?? [];
    expect(Number(stored)).toBeGreaterThan(0);

    // The running agent notices and sends them: nothing waits for a restart.
    await agent.waitFor(new RegExp(`batch acked: ${stored} sent, ${stored} accepted`), 15_000);
    expect(await collector!.store.countResults({ agentId, measurement: 'wifi_scan' })).toBe(1);
    expect(agent.child.exitCode).toBeNull();
  }, 90_000);
});
