/**
 * Two collectors on one PostgreSQL behind HAProxy (from Debian), as
 * docs/scaling.md recommends: agents stream backlogs through the proxy
 * while collectors are killed with SIGKILL three times (and restarted) and
 * one agent twice mid-batch. Every result produced is stored exactly once
 * or still queued at its agent, checked by id; the agents reach whichever
 * collector is up through the proxy without being told.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteOutbox } from '@skolnet/agent';
import { openSqlite, type Result } from '@skolnet/shared';
import { adminTokenFromCli } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { postgresMissing, startPostgres, type PostgresCluster } from '../support/postgres.js';
import {
  LOOPBACK_PROBES,
  RunningProcess,
  agentBin,
  collectorBin,
  producedCount,
} from '../support/processes.js';
import { latencyBacklog } from '../support/results.js';
import { commandWorks, findCommand, missingComponent } from '../support/real-component.js';
import { SecretSearch } from '../support/secret-search.js';
import { freePort } from '../support/victoria-metrics.js';
import { report } from './report.js';

const haproxy = findCommand(['haproxy', '/usr/sbin/haproxy'], ['-v']);
const skip =
  missingComponent('HAProxy', haproxy !== undefined, 'apt-get install haproxy') ??
  postgresMissing() ??
  missingComponent(
    'ping',
    commandWorks('ping', ['-c', '1', '-W', '1', '127.0.0.1']),
    'apt-get install iputils-ping',
  );

/** Agents streaming at once, and the backlog each holds when it starts. */
const AGENTS = 4;
const BACKLOG = 10_000;

describe.skipIf(skip)('resilience: two collectors behind HAProxy on one PostgreSQL', () => {
  let dir: string;
  let cluster: PostgresCluster | undefined;
  let databaseUrl = '';
  let proxy: RunningProcess | undefined;
  const collectors = new Map<string, { port: number; process?: RunningProcess }>();
  const finishedProcesses: RunningProcess[] = [];
  const agents: { stateDir: string; agentId: string; queued: Result[]; runs: RunningProcess[] }[] = [];
  const search = new SecretSearch();

  /** Starts (or restarts) collector `name` on its own fixed port, sharing the database. */
  const startCollector = async (name: string): Promise<RunningProcess> => {
    const entry = collectors.get(name)!;
    const process = new RunningProcess(
      `collector-${name}`,
      [collectorBin, 'serve', '--port', String(entry.port), '--data', join(dir, `collector-${name}`)],
      { SKOLNET_DATABASE_URL: databaseUrl },
    );
    entry.process = process;
    finishedProcesses.push(process);
    await process.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+/, 60_000);
    return process;
  };

  const startAgent = (i: number): RunningProcess => {
    const agent = agents[i]!;
    const run = new RunningProcess(`agent-${i}`, [
      agentBin,
      'run',
      '--state',
      agent.stateDir,
      ...LOOPBACK_PROBES,
    ]);
    agent.runs.push(run);
    finishedProcesses.push(run);
    return run;
  };

  const storedIds = async (agentId: string): Promise<string[]> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM results WHERE agent_id = $1', [
        agentId,
      ]);
      return rows.map((r) => r.id);
    } finally {
      await client.end();
    }
  };

  const pendingIds = (stateDir: string): string[] => {
    const db = openSqlite(join(stateDir, 'outbox.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT id FROM outbox').all() as { id: string }[]).map((r) => r.id);
    } finally {
      db.close();
    }
  };

  /** Batches a collector has stored since its (re)start, from its /metrics. */
  const batchesStored = async (name: string): Promise<number> => {
    const res = await fetch(`http://127.0.0.1:${collectors.get(name)!.port}/metrics`);
    const m = /^skolnet_ingest_batches_total (\d+)$/m.exec(await res.text());
    return m === null ? 0 : Number(m[1]);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-balancer-'));
    cluster = await startPostgres();
    databaseUrl = await cluster.createDatabase();
    search.secret('database password', cluster.password);
    for (const name of ['a', 'b']) collectors.set(name, { port: await freePort() });
    // Migrations run once, by the first collector; the second finds them done.
    await startCollector('a');
    await startCollector('b');

    const proxyPort = await freePort();
    const config = join(dir, 'haproxy.cfg');
    await writeFile(
      config,
      [
        'global',
        '  maxconn 2000',
        'defaults',
        '  mode http',
        '  timeout connect 2s',
        '  timeout client 60s',
        '  timeout server 60s',
        // An agent stream is a WebSocket: after the upgrade HAProxy tunnels it.
        '  timeout tunnel 1h',
        '  retries 3',
        '  option redispatch',
        'frontend skolnet',
        `  bind 127.0.0.1:${proxyPort}`,
        '  default_backend collectors',
        'backend collectors',
        '  balance roundrobin',
        // Readiness, not liveness: a collector that cannot store gets no agents.
        '  option httpchk GET /readyz',
        '  http-check expect status 200',
        '  default-server inter 500ms fall 2 rise 1',
        ...[...collectors].map(([name, c]) => `  server ${name} 127.0.0.1:${c.port} check`),
        '',
      ].join('\n'),
    );
    proxy = new RunningProcess(
      'haproxy',
      spawn(haproxy!, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    finishedProcesses.push(proxy);
    const proxyUrl = `http://127.0.0.1:${proxyPort}`;
    // Both backends checked up and the proxy answering.
    for (let tries = 0; ; tries += 1) {
      const status = (await fetch(`${proxyUrl}/readyz`).catch(() => undefined))?.status;
      if (status === 200) break;
      if (tries > 100) throw new Error(`HAProxy did not pass /readyz: ${proxy.lines.join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const token = await adminTokenFromCli(['--database', databaseUrl]);
    search.secret('admin API token', token);
    for (let i = 0; i < AGENTS; i += 1) {
      const stateDir = join(dir, `agent-${i}`);
      const enrolled = await enrollAgent(proxyUrl, token, stateDir, [], {
        school: { name: `Skola ${i}`, municipality: 'Rēzekne', pupils: 100 + i },
      });
      search.secret('enrollment code', enrolled.code).agentSecret(stateDir);
      const agentId = /agent (\S+)/.exec(enrolled.stdout)![1]!;
      const queued = latencyBacklog(agentId, enrolled.schoolId, BACKLOG, { offsetMs: i * 1_000 });
      const outbox = new SqliteOutbox(join(stateDir, 'outbox.sqlite'));
      expect(outbox.append(queued).appended).toBe(BACKLOG);
      outbox.close();
      agents.push({ stateDir, agentId, queued, runs: [] });
    }
  }, 300_000);

  afterAll(async () => {
    for (const p of finishedProcesses) await p.stop('SIGKILL');
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loses and duplicates nothing while collectors and an agent are killed mid-stream', async () => {
    // One agent streams from the start and one more joins after each kill,
    // so batches are in flight at every kill.
    startAgent(0);

    // Three collector kills, each of one that is storing batches right then.
    // Streams stay where they are until their collector dies, so which one
    // that is follows from the kills before.
    const kills: string[] = [];
    let pendingAtKills = 0;
    for (let k = 0; k < 3; k += 1) {
      const before = new Map<string, number>();
      for (const name of collectors.keys()) before.set(name, await batchesStored(name).catch(() => 0));
      let name: string | undefined;
      for (const until = performance.now() + 60_000; name === undefined;) {
        if (performance.now() > until) {
          const tails = finishedProcesses.map((p) => `[${p.name}]\n${p.lines.slice(-8).join('\n')}`);
          throw new Error(
            `no collector stored a batch within 60 s (kills so far: ${kills.join(', ')})\n${tails.join('\n')}`,
          );
        }
        for (const [n, count] of before) if ((await batchesStored(n).catch(() => 0)) > count) name = n;
        await new Promise((r) => setTimeout(r, 50));
      }
      const killed = await collectors.get(name)!.process!.stop('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
      kills.push(name);
      pendingAtKills += agents.reduce(
        (n, a) => n + (a.runs.length > 0 ? pendingIds(a.stateDir).length : 0),
        0,
      );
      await startCollector(name);
      // After the restart, which takes longer than streaming a backlog.
      startAgent(kills.length);
    }

    // Agent 3, the last to join, killed twice mid-batch (after an ack, with
    // its backlog not yet sent), started again each time.
    for (let k = 0; k < 2; k += 1) {
      const run = agents[3]!.runs.at(-1)!;
      await run.waitFor(/batch acked/, 60_000);
      expect((await run.stop('SIGKILL')).signal).toBe('SIGKILL');
      expect(pendingIds(agents[3]!.stateDir).length).toBeGreaterThan(0);
      startAgent(3);
    }

    const produced = (a: (typeof agents)[number]): number =>
      BACKLOG + a.runs.reduce((n, r) => n + producedCount(r), 0);
    for (const a of agents) {
      await a.runs.at(-1)!.waitFor(/probe latency (?:done|failed)/, 60_000);
    }
    for (const a of agents) {
      await expect
        .poll(async () => (await storedIds(a.agentId)).length, { timeout: 180_000, interval: 1_000 })
        .toBe(produced(a));
      await expect.poll(() => pendingIds(a.stateDir).length, { timeout: 30_000, interval: 500 }).toBe(0);
    }

    let total = 0;
    for (const a of agents) {
      const stored = await storedIds(a.agentId);
      expect(new Set(stored).size).toBe(stored.length);
      const storedSet = new Set(stored);
      expect(a.queued.filter((r) => !storedSet.has(r.id))).toEqual([]);
      total += stored.length;
    }
    for (const p of finishedProcesses) {
      await p.stop('SIGTERM');
      search.output(`${p.name} output`, p.stdout + p.stderr);
    }
    expect(search.findings()).toEqual([]);
    report({
      attack: 'kill -9 collectors ×3, agent ×2 behind HAProxy, PostgreSQL',
      held: true,
      figures: `${AGENTS} agents, ${total} results stored once, 0 lost, 0 duplicated; killed ${kills.join(', ')} with ${pendingAtKills} results queued at the kills`,
    });
  });
});
