/**
 * The agent on hardware nobody watches: killed mid-batch, cut off from the
 * collector past its outbox cap, and started on a full or read-only disk.
 * Real collector and agent processes; traffic to loopback only (latency to
 * the collector, gateway off).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteOutbox } from '@skolnet/agent';
import { openSqlite, type Result } from '@skolnet/shared';
import { enrollAgent } from '../support/enrollment.js';
import { commandWorks, missingComponent, runningUnderCi } from '../support/real-component.js';
import {
  LOOPBACK_PROBES,
  RunningProcess,
  agentBin,
  collectorBin,
  runToEnd,
  producedCount,
} from '../support/processes.js';
import { latencyBacklog } from '../support/results.js';
import { adminTokenFromCli } from '../support/collector.js';

const skip = missingComponent(
  'ping',
  commandWorks('ping', ['-c', '1', '-W', '1', '127.0.0.1']),
  'apt-get install iputils-ping',
);

describe.skipIf(skip)('resilience: the agent under crashes, outages and bad disks', () => {
  let dir: string;
  let collector: RunningProcess | undefined;
  const agents: RunningProcess[] = [];
  let url = '';
  let port = 0;
  let token = '';
  const dataDir = (): string => join(dir, 'collector');

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

  const startAgent = (stateDir: string, env: NodeJS.ProcessEnv = {}): RunningProcess => {
    const agent = new RunningProcess(
      'agent',
      [agentBin, 'run', '--state', stateDir, ...LOOPBACK_PROBES],
      env,
    );
    agents.push(agent);
    return agent;
  };

  /** Enrolls a new agent of a new school into `stateDir`. */
  const enroll = async (stateDir: string): Promise<{ agentId: string; schoolId: string }> => {
    const { stdout, schoolId } = await enrollAgent(url, token, stateDir, [], {
      school: { name: `Skola ${stateDir.slice(-4)}`, municipality: 'Cēsu novads', pupils: 200 },
    });
    return { agentId: /agent (\S+)/.exec(stdout)![1]!, schoolId };
  };

  /** Ids in the collector's store for an agent. */
  const storedIds = (agentId: string): string[] => {
    const db = openSqlite(join(dataDir(), 'collector.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT id FROM results WHERE agent_id = ?').all(agentId) as { id: string }[]).map(
        (r) => r.id,
      );
    } finally {
      db.close();
    }
  };

  /** Ids still queued in an agent's outbox, and its counters. */
  const outboxState = (stateDir: string): { pending: string[]; dropped: number; rejected: number } => {
    const db = openSqlite(join(stateDir, 'outbox.sqlite'), { readonly: true, fileMustExist: true });
    try {
      const pending = (db.prepare('SELECT id FROM outbox').all() as { id: string }[]).map((r) => r.id);
      const meta = (key: string): number =>
        (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number }).value;
      return { pending, dropped: meta('dropped_total'), rejected: meta('rejected_total') };
    } finally {
      db.close();
    }
  };

  /** Queues `results` in the outbox of `stateDir`, as if the agent had measured them earlier. */
  const prefill = (stateDir: string, results: Result[]): void => {
    const outbox = new SqliteOutbox(join(stateDir, 'outbox.sqlite'));
    try {
      expect(outbox.append(results).appended).toBe(results.length);
    } finally {
      outbox.close();
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-resilience-'));
    await startCollector();
    token = await adminTokenFromCli(['--data', dataDir()]);
  });

  afterAll(async () => {
    for (const a of agents) await a.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers everything exactly once after a SIGKILL while batches are in flight', async () => {
    const stateDir = join(dir, 'killed');
    const { agentId, schoolId } = await enroll(stateDir);
    // A backlog of many protocol-maximum batches, so the agent is mid-delivery when killed.
    const queued = latencyBacklog(agentId, schoolId, 5_000);
    prefill(stateDir, queued);

    const first = startAgent(stateDir);
    await first.waitFor(/probe latency done/);
    await first.waitFor(/batch acked/);
    expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
    const atKill = storedIds(agentId).length;
    // Killed part-way: some batches stored, others not yet.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(queued.length);

    const second = startAgent(stateDir);
    await second.waitFor(/probe latency done/);
    const produced = queued.length + producedCount(first) + producedCount(second);
    await expect.poll(() => storedIds(agentId).length, { timeout: 60_000, interval: 500 }).toBe(produced);
    expect((await second.stop('SIGTERM')).code).toBe(0);

    const stored = storedIds(agentId);
    const { pending, rejected } = outboxState(stateDir);
    expect(rejected).toBe(0);
    // The store's primary key makes a second copy impossible, so "exactly
    // once" is: everything produced is stored or queued, and none is both.
    expect(new Set(stored).size).toBe(stored.length);
    expect(stored.length + pending.length).toBe(produced);
    expect(pending.filter((id) => stored.includes(id))).toEqual([]);
    const storedSet = new Set(stored);
    expect(queued.filter((r) => !storedSet.has(r.id))).toEqual([]);
  }, 180_000);

  it('keeps the newest results within its cap through a long outage, drops the oldest and counts them', async () => {
    const stateDir = join(dir, 'outage');
    const { agentId, schoolId } = await enroll(stateDir);
    const cap = 60;
    // "Long" by volume: a backlog beyond the cap, as weeks offline would leave.
    const queued = latencyBacklog(agentId, schoolId, 100);
    prefill(stateDir, queued);

    await collector!.stop('SIGTERM');
    const agent = startAgent(stateDir, { SKOLNET_OUTBOX_MAX_ROWS: String(cap) });
    const drop = await agent.waitFor(/outbox full: dropped the (\d+) oldest results/);
    // The run that overflowed the outbox is logged after its results were queued.
    await agent.waitFor(/probe latency (?:done|failed)/);
    await agent.waitFor(/disconnected/);
    const dropped = Number(drop[1]);
    const produced = queued.length + producedCount(agent);
    expect(dropped).toBe(produced - cap);

    await startCollector();
    await expect
      .poll(() => storedIds(agentId).length, { timeout: 90_000, interval: 500 })
      .toBe(produced - dropped);
    expect((await agent.stop('SIGTERM')).code).toBe(0);

    const stored = new Set(storedIds(agentId));
    const state = outboxState(stateDir);
    expect(state).toMatchObject({ pending: [], dropped, rejected: 0 });
    // Oldest first: exactly the first `dropped` of the backlog are gone, every later result arrived.
    expect(queued.slice(0, dropped).filter((r) => stored.has(r.id))).toEqual([]);
    expect(queued.slice(dropped).filter((r) => !stored.has(r.id))).toEqual([]);
  }, 180_000);

  describe('bad disks', () => {
    const mounts: string[] = [];
    let mountProblem: string | undefined;

    /** Mounts a tmpfs of `size` at a new directory under the test's directory. */
    const mountTmpfs = (name: string, size: string): string => {
      const at = join(dir, name);
      mkdirSync(at);
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', at], { stdio: 'pipe' });
      mounts.push(at);
      return at;
    };

    beforeAll(() => {
      try {
        mountTmpfs('probe-mount', '64k');
      } catch (err) {
        const reason = `mounting a tmpfs is not permitted here (${(err as Error).message.split('\n')[0]})`;
        // Under CI as root the mount must work; elsewhere (no root, a container without CAP_SYS_ADMIN) skip.
        if (runningUnderCi() && process.getuid?.() === 0) throw new Error(`CI: ${reason}`);
        console.warn(`skipping the bad-disk cases: ${reason}`);
        mountProblem = reason;
      }
    });

    afterAll(() => {
      for (const at of mounts.reverse()) execFileSync('umount', ['-l', at], { stdio: 'ignore' });
    });

    /** Enrolls into a normal directory and copies the credentials into `stateDir`. */
    const credentialsInto = async (stateDir: string): Promise<void> => {
      const elsewhere = join(dir, `enroll-${stateDir.split('/').pop()}`);
      await enroll(elsewhere);
      const text = readFileSync(join(elsewhere, 'credentials.json'), 'utf8');
      writeFileSync(join(stateDir, 'credentials.json'), text, { mode: 0o600 });
    };

    /** Fills the file system of `at` to the last byte. */
    const fill = (at: string): void => {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(at, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd ends with "No space left on device": that is the point.
      }
    };

    it('exits with a clear error on a full disk at start, instead of looping', async (ctx) => {
      if (mountProblem) ctx.skip(mountProblem);
      const stateDir = mountTmpfs('full', '128k');
      await credentialsInto(stateDir);
      fill(stateDir);
      const out = await runToEnd([agentBin, 'run', '--state', stateDir, ...LOOPBACK_PROBES], {}, 60_000);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(
        /cannot open outbox .*outbox\.sqlite: .*disk is full.*SKOLNET_OUTBOX_FAILED/,
      );
    });

    it('exits with a clear error on a read-only state directory', async (ctx) => {
      if (mountProblem) ctx.skip(mountProblem);
      const stateDir = mountTmpfs('readonly', '1m');
      await credentialsInto(stateDir);
      execFileSync('mount', ['-o', 'remount,ro', stateDir]);
      const out = await runToEnd([agentBin, 'run', '--state', stateDir, ...LOOPBACK_PROBES], {}, 60_000);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/read-only file system.*SKOLNET_OUTBOX_FAILED/);
    });

    it('keeps running when the disk fills up, and queues again once there is room', async (ctx) => {
      if (mountProblem) ctx.skip(mountProblem);
      const stateDir = mountTmpfs('filling', '2m');
      await credentialsInto(stateDir);
      await collector!.stop('SIGTERM');
      const agent = new RunningProcess('agent', [
        agentBin,
        'run',
        '--state',
        stateDir,
        ...LOOPBACK_PROBES.slice(0, -4),
        '--interval',
        'latency=1s',
        '--initial-delay',
        '0s',
      ]);
      agents.push(agent);
      await agent.waitFor(/probe latency done/);
      fill(stateDir);
      await agent.waitFor(/results lost \(disk_full\): .*(?:disk is full|SQLITE_FULL)/);
      execFileSync('rm', ['-f', join(stateDir, 'filler')]);
      const doneBefore = agent.matching(/probe latency done/).length;
      await expect
        .poll(() => agent.matching(/probe latency done/).length, { timeout: 30_000, interval: 250 })
        .toBeGreaterThan(doneBefore);
      // Every lost result is counted, by cause, once the outbox takes writes again.
      const lost = agent
        .matching(/(\d+) results lost \(disk_full\)/)
        .reduce((sum, m) => sum + Number(m[1]), 0);
      expect(lost).toBeGreaterThan(0);
      const status = await runToEnd([agentBin, 'status', '--state', stateDir, '--json']);
      const report = JSON.parse(status.stdout) as {
        outbox: { dropped_total: number; dropped_by_cause: Record<string, number> };
      };
      expect(report.outbox.dropped_by_cause.disk_full).toBeGreaterThanOrEqual(lost);
      expect(report.outbox.dropped_total).toBeGreaterThanOrEqual(lost);
      expect(agent.child.exitCode).toBeNull();
      expect((await agent.stop('SIGTERM')).code).toBe(0);
      await startCollector();
    }, 120_000);
  });
});
