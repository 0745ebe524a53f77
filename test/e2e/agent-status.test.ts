import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, agentBin, runToEnd } from '../support/processes.js';

interface StatusJson {
  running: boolean;
  not_running_reason: string | null;
  agent: { agent_id: string; school_id: string };
  connection: { state: string } | null;
  outbox: { depth: number; rejected_total: number } | null;
  budget: { budget_bytes: number; used_bytes: number } | null;
  timetable: { timezone: string } | null;
  probes: Record<string, { last_outcome: string | null; last_run_at: string | null }>;
}

describe('skolnet-agent status against a running agent', () => {
  let dir: string;
  let collector: TestCollector | undefined;
  let agent: RunningProcess | undefined;
  const stateDir = (): string => join(dir, 'agent');
  const status = (...extra: string[]) => runToEnd([agentBin, 'status', '--state', stateDir(), ...extra]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-status-'));
    collector = await startTestCollector(join(dir, 'collector'));
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports identity, connection, outbox, budget and last results; then that no agent runs', async () => {
    const url = collector!.url;
    const { schoolId } = await enrollAgent(url, collector!.adminToken, stateDir());
    const { secret } = JSON.parse(readFileSync(join(stateDir(), 'credentials.json'), 'utf8')) as {
      secret: string;
    };

    // Before any run: enrolled, but no agent.
    const before = await status();
    expect(before.code).toBe(3);
    expect(before.stdout).toMatch(/NO: no agent is running \(no status file/);

    // Latency to the collector only: tests never send traffic to the real gateway.
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
      'latency.count=2',
      '--initial-delay',
      '0s',
    ]);
    await agent.waitFor(/probe latency (done|failed)/);
    await agent.waitFor(/connected to the collector/);

    const report = await vi.waitFor(
      async () => {
        const r = await status('--json');
        expect(r.code, r.stderr).toBe(0);
        const parsed = JSON.parse(r.stdout) as StatusJson;
        expect(parsed.connection?.state).toBe('connected');
        expect(parsed.probes.latency?.last_run_at).not.toBeNull();
        return { parsed, raw: r.stdout };
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(report.parsed).toMatchObject({
      running: true,
      not_running_reason: null,
      agent: { school_id: schoolId },
      timetable: { timezone: 'Europe/Riga' },
      budget: { budget_bytes: 10_000_000_000, used_bytes: 0 },
    });
    expect(report.parsed.outbox?.rejected_total).toBe(0);
    expect(['ok', 'failed']).toContain(report.parsed.probes.latency?.last_outcome);
    expect(report.raw).not.toContain(secret);

    const text = await status();
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`school ${schoolId}`);
    expect(text.stdout).toMatch(/running: +yes, pid \d+/);
    expect(text.stdout).toMatch(/connection: +connected since/);
    expect(text.stdout).toMatch(/outbox: +\d+ results waiting/);
    expect(text.stdout).toMatch(/budget: +0 MB of 10\.00 GB used in \d{4}-\d{2}/);
    expect(text.stdout).toMatch(/timetable: +Mon,Tue,Wed,Thu,Fri 08:00-16:00 Europe\/Riga/);
    expect(text.stdout).toMatch(/latency +every 5 min +last \S+ (ok|failed)/);
    expect(text.stdout).not.toContain(secret);

    expect((await agent.stop('SIGTERM')).code).toBe(0);
    const after = await status('--json');
    expect(after.code).toBe(3);
    const stopped = JSON.parse(after.stdout) as StatusJson;
    expect(stopped.running).toBe(false);
    expect(stopped.not_running_reason).toMatch(/stopped at/);
    expect(stopped.probes.latency?.last_run_at).not.toBeNull();
  });
});
