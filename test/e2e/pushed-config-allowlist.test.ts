import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '@skolnet/shared';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, agentBin } from '../support/processes.js';

const TEST_TIMEOUT_MS = 120_000;

/**
 * A leaked collector admin credential must not become code execution on
 * every school machine (issue item 4): a pushed configuration naming a
 * program is refused by the collector's API and, should one reach an agent
 * anyway (stored by an older collector, or written into its database),
 * by the agent, which reports why and never runs the program.
 */
describe('pushed configuration is an allow-list: a real collector and a real agent', () => {
  let dir: string;
  let collector: TestCollector;
  let agent: RunningProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-allowlist-'));
    collector = await startTestCollector(join(dir, 'collector'));
  });
  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'refuses ping_command through the API, and the agent refuses and reports one that reaches it',
    async () => {
      const token = collector.adminToken;
      const stateDir = join(dir, 'agent');
      const enrolled = await enrollAgent(collector.url, token, stateDir);
      const agentId = /enrolled as agent (\S+)/.exec(enrolled.stdout)![1]!;

      // The program an attacker would have every agent run: it leaves a mark.
      const marker = join(dir, 'ran');
      const program = join(dir, 'not-ping.sh');
      writeFileSync(program, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
      chmodSync(program, 0o755);
      const hostile = { probes: { latency: { options: { ping_command: program } } } };

      for (const path of [
        `/api/v1/schools/${enrolled.schoolId}/agent-config`,
        `/api/v1/agents/${agentId}/config`,
      ]) {
        const res = await fetch(`${collector.url}${path}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(hostile),
        });
        expect(res.status, path).toBe(400);
        const body = (await res.json()) as { code: string; message: string };
        expect(body.code).toBe('SKOLNET_API_BAD_REQUEST');
        expect(body.message).toContain('/probes/latency/options/ping_command');
      }

      // Past the API: the store takes what it is given, as an older collector's did.
      await collector.store.setAgentConfigOverride(agentId, hostile as unknown as AgentConfig);

      agent = new RunningProcess('agent', [
        agentBin,
        'run',
        '--state',
        stateDir,
        '--only',
        'latency',
        '--set',
        'latency.count=1',
        '--interval',
        'latency=1s',
        '--initial-delay',
        '0s',
      ]);
      const refused = await agent.waitFor(/could not apply configuration version (\d+): (.*)/);
      expect(refused[2]).toContain('/config/probes/latency/options/ping_command');

      // The refusal reached the collector, with the reason (the ack follows the log line).
      type Described = { config: { error: string | null; applied_version: number | null } };
      const describe = async (): Promise<Described> =>
        (await (
          await fetch(`${collector.url}/api/v1/agents/${agentId}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).json()) as Described;
      let described = await describe();
      for (let i = 0; i < 100 && described.config.error === null; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        described = await describe();
      }
      expect(described.config.error).toContain('ping_command');
      expect(described.config.applied_version).toBeNull();

      // The latency probe keeps running with the local ping, never the pushed program.
      await agent.waitFor(/probe latency done/);
      await agent.waitFor(/probe latency done/);
      expect(existsSync(marker)).toBe(false);
    },
    TEST_TIMEOUT_MS,
  );
});
