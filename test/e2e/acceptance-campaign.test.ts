import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, agentBin, fetchJson } from '../support/processes.js';

const TEST_TIMEOUT_MS = 120_000;

/**
 * A vendor marks its contract complete and a real running agent gets the
 * campaign's configuration: the agent applies it (its own validation of
 * pushes accepts every setting the campaign changes) and says so to the
 * collector; the vendor sees the campaign's progress.
 */
describe('acceptance campaign: a real collector and a real agent', () => {
  let dir: string;
  let collector: TestCollector;
  let agent: RunningProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-acceptance-'));
    collector = await startTestCollector(join(dir, 'collector'));
  });
  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'pushes the campaign configuration when the vendor marks the contract complete, and the agent applies it',
    async () => {
      const admin = { authorization: `Bearer ${collector.adminToken}` };
      const stateDir = join(dir, 'agent');
      const enrolled = await enrollAgent(collector.url, collector.adminToken, stateDir);
      const agentId = /enrolled as agent (\S+)/.exec(enrolled.stdout)![1]!;
      const vendorUser = await collector.accounts.createUser(
        { email: 'piegade@tikli.lv', role: 'vendor', vendor: 'SIA Tīkli' },
        { label: 'test' },
      );
      const vendor = {
        authorization: `Bearer ${(await collector.accounts.createApiToken(vendorUser.id, 'test', { label: 'test' })).token}`,
      };

      agent = new RunningProcess('agent', [
        agentBin,
        'run',
        '--state',
        stateDir,
        '--only',
        'latency',
        '--set',
        'latency.count=1',
        '--set',
        'latency.gateway=off',
        '--interval',
        'latency=1s',
        '--initial-delay',
        '0s',
      ]);
      await agent.waitFor(/probe latency done/);

      const contract = await fetchJson<{ id: string }>(`${collector.url}/api/v1/contracts`, {
        method: 'POST',
        headers: { ...admin, 'content-type': 'application/json' },
        body: JSON.stringify({
          school_id: enrolled.schoolId,
          vendor: 'SIA Tīkli',
          kind: 'internet_line',
          download_max_mbps: 100,
          download_min_mbps: 20,
          upload_max_mbps: 100,
          upload_min_mbps: 20,
          completion_date: '2026-09-01',
          acceptance_window_days: 30,
        }),
      });
      const campaign = await fetchJson<{ id: string; status: string }>(
        `${collector.url}/api/v1/contracts/${contract.id}/complete`,
        { method: 'POST', headers: vendor },
      );
      expect(campaign.status).toBe('running');

      const applied = await agent.waitFor(/applied configuration version (\d+)/);
      type Described = { config: { version: number; applied_version: number | null; error: string | null } };
      let described = await fetchJson<Described>(`${collector.url}/api/v1/agents/${agentId}`, {
        headers: admin,
      });
      for (let i = 0; i < 100 && described.config.applied_version !== described.config.version; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        described = await fetchJson<Described>(`${collector.url}/api/v1/agents/${agentId}`, {
          headers: admin,
        });
      }
      expect(described.config).toMatchObject({ applied_version: Number(applied[1]), error: null });

      const progress = await fetchJson<{ school_days_left: number; campaign: { id: string } }>(
        `${collector.url}/api/v1/campaigns/${campaign.id}`,
        { headers: vendor },
      );
      expect(progress.campaign.id).toBe(campaign.id);
      expect(progress.school_days_left).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
