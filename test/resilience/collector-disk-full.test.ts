/**
 * The collector's data on a small tmpfs filled to the brim while an agent
 * streams a backlog: the collector says why (once), /readyz turns 503 with
 * the reason while /healthz stays 200, nothing is acknowledged that was not
 * stored, and once the space is back everything arrives exactly once,
 * without a restart. Real collector and agent processes, loopback only.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteOutbox } from '@skolnet/agent';
import { openSqlite } from '@skolnet/shared';
import { adminTokenFromCli } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import {
  LOOPBACK_PROBES,
  RunningProcess,
  agentBin,
  collectorBin,
  producedCount,
  runToEnd,
} from '../support/processes.js';
import { latencyBacklog } from '../support/results.js';
import { commandWorks, missingComponent } from '../support/real-component.js';
import { SecretSearch } from '../support/secret-search.js';
import { mountTmpfs, tmpfsMissing, type Tmpfs } from '../support/tmpfs.js';
import { report } from './report.js';

const skip =
  tmpfsMissing() ??
  missingComponent(
    'ping',
    commandWorks('ping', ['-c', '1', '-W', '1', '127.0.0.1']),
    'apt-get install iputils-ping',
  );

/** Results queued in the agent before it starts: many batches, so the disk fills mid-stream. */
const BACKLOG = 10_000;

describe.skipIf(skip)('resilience: the collector on a full disk', () => {
  let dir: string;
  let disk: Tmpfs | undefined;
  let collector: RunningProcess | undefined;
  let agent: RunningProcess | undefined;
  const search = new SecretSearch();

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    disk?.unmount();
    await rm(dir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-disk-full-'));
  });

  it('refuses to ack what it cannot store, says why once, is not ready, and takes everything once space returns', async () => {
    // 8 MiB: room for the database and its WAL after start, little beyond.
    disk = mountTmpfs(dir, 'collector-data', '8m');
    const dataDir = join(disk.path, 'data');
    collector = new RunningProcess('collector', [collectorBin, 'serve', '--port', '0', '--data', dataDir]);
    const url = (await collector.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const token = await adminTokenFromCli(['--data', dataDir]);
    search.secret('admin API token', token);

    const stateDir = join(dir, 'agent');
    const enrolled = await enrollAgent(url, token, stateDir, [], {
      school: { name: 'Valmieras skola', municipality: 'Valmieras novads', pupils: 300 },
    });
    search.secret('enrollment code', enrolled.code).agentSecret(stateDir);
    const agentId = /agent (\S+)/.exec(enrolled.stdout)![1]!;
    const queued = latencyBacklog(agentId, enrolled.schoolId, BACKLOG);
    const outbox = new SqliteOutbox(join(stateDir, 'outbox.sqlite'));
    expect(outbox.append(queued).appended).toBe(BACKLOG);
    outbox.close();

    const storedIds = (): string[] => {
      const db = openSqlite(join(dataDir, 'collector.db'), { readonly: true, fileMustExist: true });
      try {
        const rows = db.prepare('SELECT id FROM results WHERE agent_id = ?').all(agentId) as { id: string }[];
        return rows.map((r) => r.id);
      } finally {
        db.close();
      }
    };
    const pendingIds = (): string[] => {
      const db = openSqlite(join(stateDir, 'outbox.sqlite'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT id FROM outbox').all() as { id: string }[]).map((r) => r.id);
      } finally {
        db.close();
      }
    };
    const get = async (path: string): Promise<{ status: number; text: string }> => {
      const res = await fetch(`${url}${path}`);
      const text = await res.text();
      search.output(`GET ${path} (${res.status})`, `${JSON.stringify([...res.headers])}\n${text}`);
      return { status: res.status, text };
    };

    expect((await get('/readyz')).status).toBe(200);
    disk.fill();
    agent = new RunningProcess('agent', [agentBin, 'run', '--state', stateDir, ...LOOPBACK_PROBES]);

    // The real cause, in one line.
    const cause = await collector.waitFor(/store cannot write/, 90_000);
    expect(JSON.parse(cause.input!)).toMatchObject({ level: 50, cause: 'disk_full' });
    expect(cause.input).toMatch(/SQLITE_FULL/);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.text)).toMatchObject({ code: 'SKOLNET_STORE_FAILED', cause: 'disk_full' });
    expect((await get('/healthz')).status).toBe(200);
    // The agent tries again (backoff), each try fails, none is logged again.
    await expect
      .poll(async () => failures(await get('/metrics')), { timeout: 60_000, interval: 1_000 })
      .toBeGreaterThanOrEqual(3);
    expect(collector.matching(/store cannot write/)).toHaveLength(1);
    expect(collector.matching(/cannot rollback|cannot commit/)).toEqual([]);
    expect(collector.matching(/"level":50/)).toHaveLength(1);

    // Nothing acked that was not stored: every result is in exactly one place.
    await agent.waitFor(/probe latency (?:done|failed)/);
    const whileFull = { stored: storedIds(), pending: pendingIds() };
    expect(whileFull.pending.length).toBeGreaterThan(0);
    expect(whileFull.pending.filter((id) => whileFull.stored.includes(id))).toEqual([]);
    const produced = (): number => BACKLOG + producedCount(agent!);
    expect(whileFull.stored.length + whileFull.pending.length).toBe(produced());
    const failedWhileFull = failures(await get('/metrics'));

    // Space returns: ready again without a restart, and the backlog arrives.
    disk.free();
    await expect
      .poll(async () => (await get('/readyz')).status, { timeout: 30_000, interval: 1_000 })
      .toBe(200);
    await expect.poll(() => storedIds().length, { timeout: 150_000, interval: 1_000 }).toBe(produced());
    await expect.poll(() => pendingIds().length, { timeout: 30_000, interval: 500 }).toBe(0);
    await collector.waitFor(/store writes again/);
    const stored = storedIds();
    expect(new Set(stored).size).toBe(stored.length);
    const storedSet = new Set(stored);
    expect(queued.filter((r) => !storedSet.has(r.id))).toEqual([]);
    expect(collector.child.exitCode).toBeNull();
    expect((await agent.stop('SIGTERM')).code).toBe(0);

    // What people take away: the plan as CSV, the agent's status report.
    const exports = join(dir, 'exports');
    await mkdir(exports);
    const csv = await fetch(`${url}/api/v1/plan?format=csv&budget=1000000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(csv.status).toBe(200);
    await writeFile(join(exports, 'plan.csv'), await csv.text());
    const status = await runToEnd([agentBin, 'status', '--state', stateDir, '--json']);
    // 3: the agent is stopped by now (status's "not running"); the report is still whole.
    expect(status.code).toBe(3);
    expect(JSON.parse(status.stdout)).toHaveProperty('outbox');
    await writeFile(join(exports, 'agent-status.json'), status.stdout + status.stderr);
    search.files(exports);
    search.output('collector log', collector.stdout + collector.stderr);
    search.output('agent log', agent.stdout + agent.stderr);
    expect(search.findings()).toEqual([]);
    report({
      attack: 'collector disk full (8 MiB tmpfs)',
      held: true,
      figures: `${failedWhileFull} failed writes, 1 log line, readyz 503→200; ${stored.length}/${produced()} stored once, 0 acked unstored`,
    });
  });
});

/** The collector's count of writes failed for a full disk, from /metrics. */
function failures(metrics: { text: string }): number {
  const m = /^skolnet_store_write_failures_total\{cause="disk_full"\} (\d+)$/m.exec(metrics.text);
  return m === null ? 0 : Number(m[1]);
}
