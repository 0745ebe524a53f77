import { openSqlite } from '@skolnet/shared';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '../support/enrollment.js';
import { commandWorks, missingComponent } from '../support/real-component.js';
import {
  RunningProcess,
  agentBin,
  collectorBin,
  runToEnd,
  fetchJson,
  producedCount,
} from '../support/processes.js';
import { adminTokenFromCli } from '../support/collector.js';

/** How long the collector stays down while the agent keeps measuring, in ms (the 30 s). */
const OUTAGE_MS = 30_000;

const skip = missingComponent(
  'ping',
  commandWorks('ping', ['-c', '1', '-W', '1', '127.0.0.1']),
  'apt-get install iputils-ping',
);

describe.skipIf(skip)('audit flow: collector and an enrolled agent as separate processes', () => {
  let dir: string;
  let collector: RunningProcess | undefined;
  let agent: RunningProcess | undefined;
  let url = '';
  let port = 0;
  let token = '';
  const dataDir = (): string => join(dir, 'collector');
  const stateDir = (): string => join(dir, 'agent');

  const startCollector = async (): Promise<void> => {
    collector = new RunningProcess('collector', [
      collectorBin,
      'serve',
      '--port',
      String(port),
      '--data',
      dataDir(),
    ]);
    const m = await collector.waitFor(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
    url = m[1]!;
    port = Number(m[2]);
  };

  /** Rows in the collector's store for this agent, read from its SQLite file (WAL allows a concurrent reader). */
  const stored = (agentId: string): { count: number; ids: Set<string>; ats: string[] } => {
    const db = openSqlite(join(dataDir(), 'collector.db'), { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT id, at FROM results WHERE agent_id = ?').all(agentId) as {
        id: string;
        at: string;
      }[];
      return { count: rows.length, ids: new Set(rows.map((r) => r.id)), ats: rows.map((r) => r.at) };
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-e2e-'));
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('stores every result exactly once across a 30-second collector outage, and scores the school', async () => {
    await startCollector();
    token = await adminTokenFromCli(['--data', dataDir()]);
    const enrolled = await enrollAgent(url, token, stateDir(), [], {
      school: { name: 'Siguldas pamatskola', municipality: 'Siguldas novads', pupils: 120 },
    });
    const { schoolId, code } = enrolled;
    const agentId = /agent (\S+)/.exec(enrolled.stdout + enrolled.stderr)?.[1];
    expect(agentId).toBeTruthy();

    // The same one-time code cannot enroll a second agent.
    const again = await runToEnd([
      agentBin,
      'enroll',
      '--collector',
      url,
      '--code',
      code,
      '--state',
      join(dir, 'other'),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('SKOLNET_ENROLL_CODE_INVALID');

    // Lessons all day, every day: throughput is a heavy probe, which the
    // default timetable keeps to school hours (docs/scheduling.md), and the
    // test must not depend on the hour CI runs at.
    const config = join(dir, 'agent.yaml');
    await writeFile(
      config,
      "timetable:\n  timezone: Europe/Riga\n  days: [1, 2, 3, 4, 5, 6, 7]\n  start: '00:00'\n  end: '24:00'\n",
      { mode: 0o600 },
    );
    // Latency to the collector only (never the machine's real gateway: tests
    // send traffic to loopback alone), quick throughput runs for a score.
    agent = new RunningProcess('agent', [
      agentBin,
      'run',
      '--state',
      stateDir(),
      '--config',
      config,
      '--only',
      'latency,throughput',
      '--set',
      'latency.gateway=off',
      '--set',
      'latency.count=3',
      '--set',
      'throughput.duration_s=1',
      '--set',
      'throughput.streams=2',
      '--interval',
      'latency=2s',
      '--interval',
      'throughput=8s',
      '--initial-delay',
      '0s',
    ]);
    await agent.waitFor(/probe throughput done/, 30_000);
    await agent.waitFor(/acked|accepted/i, 30_000);

    // The school gets a numeric score from what the agent measured.
    await expect
      .poll(
        async () =>
          (await fetchJson<{ id: string; score: number | null }[]>(`${url}/api/v1/schools`)).find(
            (s) => s.id === schoolId,
          )?.score,
        {
          timeout: 30_000,
          interval: 500,
        },
      )
      .toEqual(expect.any(Number));

    // Outage: the collector stops; the agent keeps measuring into its outbox.
    await collector!.stop('SIGTERM');
    const downAt = new Date();
    const producedBefore = producedCount(agent);
    await sleep(OUTAGE_MS);
    const upAt = new Date();
    expect(producedCount(agent)).toBeGreaterThan(producedBefore);
    await startCollector();

    // Everything produced so far arrives.
    const target = producedCount(agent);
    await expect
      .poll(() => stored(agentId!).count, { timeout: 60_000, interval: 500 })
      .toBeGreaterThanOrEqual(target);

    const exit = await agent.stop('SIGTERM');
    expect(exit, agent.lines.slice(-40).join('\n')).toEqual({ code: 0, signal: null });

    const produced = producedCount(agent);
    const final = stored(agentId!);
    const outbox = openSqlite(join(stateDir(), 'outbox.sqlite'), { readonly: true });
    const pending = (outbox.prepare('SELECT id FROM outbox').all() as { id: string }[]).map((r) => r.id);
    const rejected = (outbox.prepare('SELECT COUNT(*) AS n FROM rejected').get() as { n: number }).n;
    outbox.close();

    // Nothing lost, nothing twice: every produced result is stored or still
    // waiting in the outbox, and none is in both.
    expect(rejected).toBe(0);
    expect(final.count + pending.length).toBe(produced);
    expect(pending.filter((id) => final.ids.has(id))).toEqual([]);
    // Results measured while the collector was down were delivered afterwards.
    const duringOutage = final.ats.filter((at) => at > downAt.toISOString() && at < upAt.toISOString());
    expect(duringOutage.length).toBeGreaterThan(0);
  }, 180_000);
});
