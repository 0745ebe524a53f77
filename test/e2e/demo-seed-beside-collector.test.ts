/**
 * `npm run demo:seed` into the database of a running collector, as a
 * newcomer does beside `npm start`: a real collector process ingesting
 * from an agent's stream client and serving reads while two seeds write
 * the same SQLite file. And a collector that dies of an error leaves no
 * pid file behind.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteOutbox, StreamClient } from '@skolnet/agent';
import { uuidv7, type Result } from '@skolnet/shared';
import { createSchoolAndCode } from '../support/enrollment.js';
import { RunningProcess, collectorBin, fetchJson, repoRoot, runToEnd } from '../support/processes.js';
import { adminTokenFromCli } from '../support/collector.js';

const seedBin = `${repoRoot}scripts/dist/demo-seed.js`;

/** Schools per seed: enough writes to meet the collector's many times, quick on a loaded machine. */
const SEED_SCHOOLS = '40';

/** Results the stream client sends per tick while the seeds run. */
const RESULTS_PER_TICK = 20;

describe('demo:seed beside a running collector', () => {
  let dir: string;
  let collector: RunningProcess | undefined;
  let client: StreamClient | undefined;
  let outbox: SqliteOutbox | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-seed-busy-'));
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    outbox?.close();
    outbox = undefined;
    await collector?.stop('SIGKILL');
    collector = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('fails no request, crashes nothing, and the seeds finish', async () => {
    const dataDir = join(dir, 'data');
    collector = new RunningProcess('collector', [collectorBin, 'serve', '--port', '0', '--data', dataDir]);
    const url = (await collector.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
    const token = await adminTokenFromCli(['--data', dataDir]);

    // An enrolled agent, streaming through the agent's own client.
    const { schoolId, code } = await createSchoolAndCode(url, token);
    const enrolled = await fetchJson<{ agent_id: string; secret: string }>(`${url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, hostname: 'seed-test', agent_version: '0.1.0' }),
    });
    outbox = new SqliteOutbox(join(dir, 'outbox.sqlite'));
    const box = outbox;
    client = new StreamClient({
      collectorUrl: url,
      agentId: enrolled.agent_id,
      secret: enrolled.secret,
      outbox: box,
      agentVersion: '0.1.0-test',
      backoff: { initialMs: 50, maxMs: 500 },
    });
    client.start();
    let appended = 0;
    const append = (): void => {
      const at = Date.now();
      const batch: Result[] = Array.from({ length: RESULTS_PER_TICK }, (_, i) => ({
        id: uuidv7(at + i),
        agent_id: enrolled.agent_id,
        school_id: schoolId,
        measurement: 'latency',
        fields: { result: 'success', rtt_avg_ms: 10 + (i % 5), loss_pct: 0, sent: 10, received: 10 },
        tags: { target: 'collector' },
        at: new Date(at).toISOString(),
      }));
      box.append(batch);
      appended += batch.length;
    };
    const ingest = setInterval(append, 50);

    // Reads a dashboard makes, one after another, until the seeds are done.
    const statuses: { path: string; status: number; body?: string }[] = [];
    let seeding = true;
    const reads = (async () => {
      const paths = ['/api/v1/schools', `/api/v1/schools/${schoolId}`, '/healthz'];
      for (let i = 0; seeding; i += 1) {
        const path = paths[i % paths.length]!;
        // A school's details need sign-in; the admin's token opens them.
        const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        statuses.push({ path, status: res.status, ...(res.ok ? {} : { body }) });
      }
    })();

    // Two seeds at once, as a newcomer retrying in a second terminal would.
    const seeds = await Promise.all(
      [1, 2].map((n) =>
        runToEnd(
          [seedBin, '--data', dataDir, '--schools', SEED_SCHOOLS, '--seed', String(n), '--force'],
          {},
          300_000,
        ),
      ),
    );
    seeding = false;
    clearInterval(ingest);
    await reads;

    for (const seed of seeds) {
      expect(seed.stderr).toBe('');
      expect(seed.code).toBe(0);
      expect(seed.stdout).toMatch(/a collector \(process \d+\) serves/);
      expect(seed.stdout).toContain(`${SEED_SCHOOLS} SYNTHETIC schools`);
    }
    expect(statuses.filter((s) => s.status !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(0);
    // Every result sent was stored and acknowledged.
    await vi.waitFor(() => expect(box.depth()).toBe(0), { timeout: 60_000, interval: 100 });
    expect(appended).toBeGreaterThan(0);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^skolnet_ingest_store_errors_total 0$/m);
    expect(Number(/^skolnet_ingest_results_total (\d+)$/m.exec(metrics)?.[1])).toBe(appended);

    // Nothing crashed and nothing was logged as an error.
    expect(collector.child.exitCode).toBeNull();
    const errors = collector.lines.filter((l) => /^\{.*"level":(50|60)/.test(l));
    expect(errors).toEqual([]);
    const schools = await fetchJson<{ name: string }[]>(`${url}/api/v1/schools`);
    expect(schools.filter((s) => s.name.startsWith('Demo school '))).toHaveLength(2 * Number(SEED_SCHOOLS));

    const stopped = await collector.stop('SIGTERM', 30_000);
    expect(stopped.code).toBe(0);
    expect(existsSync(join(dataDir, 'collector.pid'))).toBe(false);
  }, 300_000);

  it.each(['throw', 'reject', 'exit'])(
    'leaves no collector.pid behind when the process dies (%s)',
    async (how) => {
      const dataDir = join(dir, how);
      // A process hosting a collector, as `npm start` does, that then dies of an error.
      const script = `
        import { startCollector } from '@skolnet/collector';
        const [dataDir, how] = process.argv.slice(1);
        const collector = await startCollector({ port: 0, dataDir, quiet: true, dashboardAssets: false });
        console.log('listening on ' + collector.url);
        setTimeout(() => {
          if (how === 'throw') throw new Error('fatal in a timer');
          if (how === 'reject') void Promise.reject(new Error('fatal in a promise'));
          if (how === 'exit') process.exit(1);
        }, 50);
      `;
      const host = new RunningProcess('host', ['--input-type=module', '-e', script, dataDir, how]);
      await host.waitFor(/listening on/);
      expect(existsSync(join(dataDir, 'collector.pid'))).toBe(true);
      const { code } = await host.exited;
      expect(code).toBe(1);
      expect(existsSync(join(dataDir, 'collector.pid'))).toBe(false);
    },
    60_000,
  );
});
