/**
 * Backup and restore with real processes: a collector ingests over its
 * WebSocket while `skolnet-collector backup` copies the database; the
 * backup is restored into a fresh data directory and a collector started
 * on it shows the same results and scores. Bad backups and a running
 * collector are refused without touching the current database.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DATABASE_FILE, createSqliteStore, startCollector } from '@skolnet/collector';
import {
  AGENT_STREAM_PATH,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  openSqlite,
  uuidv7,
  type Result,
  type SchoolSummary,
} from '@skolnet/shared';
import { createSchoolAndCode } from '../support/enrollment.js';
import { RunningProcess, collectorBin, runToEnd } from '../support/processes.js';
import { adminTokenFromCli } from '../support/collector.js';

const BATCH = 200;
const MIN_MS = 60_000;

async function startCollectorProcess(dataDir: string): Promise<{ proc: RunningProcess; url: string }> {
  const proc = new RunningProcess('collector', [collectorBin, 'serve', '--port', '0', '--data', dataDir], {
    SKOLNET_LOG_LEVEL: 'warn',
  });
  const url = (await proc.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  return { proc, url };
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** When the file was loaded; batches go back in time from here. */
const T0 = Date.now();

/**
 * Batches of latency and throughput results, one result a minute, each
 * batch the stretch before the previous one: however many batches the
 * test sends, none is dated in the future (the collector refuses those).
 */
function makeBatch(agentId: string, schoolId: string, index: number): Result[] {
  const start = T0 - (index + 1) * BATCH * MIN_MS;
  return Array.from({ length: BATCH }, (_, i) => {
    const at = start + i * MIN_MS;
    const throughput = i % 50 === 0;
    const fields: Result['fields'] = throughput
      ? { result: 'success', download_mbps: 40 + (i % 7), upload_mbps: 10 }
      : { result: 'success', rtt_avg_ms: 10 + (i % 13), jitter_ms: 2, loss_pct: i % 31 === 0 ? 10 : 0 };
    return {
      id: uuidv7(at),
      agent_id: agentId,
      school_id: schoolId,
      measurement: throughput ? 'throughput' : 'latency',
      fields,
      tags: { target: 'collector' },
      at: new Date(at).toISOString(),
    };
  });
}

// Each test runs the built CLI several times in a row (serve, admin-token,
// backup, restore, and the collector again on the restored copy): on two
// busy cores that takes longer than the suite's default 30 s per test. The
// second test reads the first's restored copy.
describe('backup and restore', { timeout: 120_000 }, () => {
  let dir: string;
  const schoolIds: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-backup-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('backs up while a collector ingests; the restored database serves the same results and scores', async () => {
    const source = join(dir, 'source');
    const { proc, url } = await startCollectorProcess(source);
    const token = await adminTokenFromCli(['--data', source]);
    const { schoolId, code } = await createSchoolAndCode(url, token, {
      name: 'Backup school',
      municipality: 'Rīga',
      pupils: 200,
    });
    schoolIds.push(schoolId);
    const creds = (await (
      await fetch(`${url}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, hostname: 'srv', agent_version: 'test' }),
      })
    ).json()) as { agent_id: string; secret: string };

    const ws = new WebSocket(`${url.replace('http', 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
    const inbox: ((msg: { type: string }) => void)[] = [];
    ws.on('message', (data: Buffer) => inbox.shift()?.(JSON.parse(data.toString()) as { type: string }));
    const next = (): Promise<{ type: string }> => new Promise((r) => inbox.push(r));
    await new Promise((r) => ws.once('open', r));
    const welcome = next();
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: creds.agent_id,
        secret: creds.secret,
        agent_version: 'test',
      }),
    );
    expect((await welcome).type).toBe('welcome');

    let sent = 0;
    let ingesting = true;
    const send = async (): Promise<void> => {
      const ack = next();
      ws.send(
        JSON.stringify({
          type: 'batch',
          batch_id: `b${sent}`,
          results: makeBatch(creds.agent_id, schoolId, sent),
        }),
      );
      expect((await ack).type).toBe('ack');
      sent += 1;
    };
    // Some data first, then keep ingesting while the backup runs.
    for (let i = 0; i < 5; i += 1) await send();
    const loop = (async () => {
      while (ingesting) await send();
    })();

    const backupFile = join(dir, 'skolnet.backup');
    const backup = await runToEnd([collectorBin, 'backup', backupFile, '--data', source]);
    ingesting = false;
    await loop;
    ws.close();
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const backedUp = Number(backup.stdout.match(/(\d+) results/)?.[1]);
    expect(backup.stdout).toMatch(/\d+ bytes/);
    expect(backedUp).toBeGreaterThanOrEqual(5 * BATCH);
    // Whole batches only: each batch is one transaction, and the copy is one snapshot.
    expect(backedUp % BATCH).toBe(0);
    // The collector was still taking batches while the backup ran.
    expect(sent).toBeGreaterThan(5);
    expect(sent * BATCH).toBeGreaterThanOrEqual(backedUp);
    await proc.stop();

    // An existing file is not overwritten without --force.
    const before = await sha256(backupFile);
    const again = await runToEnd([collectorBin, 'backup', backupFile, '--data', source]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/pass --force to overwrite it \(SKOLNET_CLI_BAD_ARGUMENT\)/);
    expect(await sha256(backupFile)).toBe(before);
    const forced = await runToEnd([collectorBin, 'backup', backupFile, '--data', source, '--force']);
    expect(forced.code).toBe(0);

    const expectedDir = join(dir, 'expected');
    await mkdir(expectedDir);
    const restoredDir = join(dir, 'restored');
    const restore = await runToEnd([collectorBin, 'restore', backupFile, '--data', restoredDir]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    const restoredCount = Number(restore.stdout.match(/restored (\d+) results/)?.[1]);
    expect(restoredCount).toBe(Number(forced.stdout.match(/(\d+) results/)?.[1]));

    // The expected scores: an in-process collector over a copy of the backup.
    await copyFile(backupFile, join(expectedDir, DATABASE_FILE));
    const reference = await startCollector({ port: 0, dataDir: expectedDir, quiet: true });
    let expected: SchoolSummary[];
    try {
      expected = await reference.schoolSummaries();
    } finally {
      await reference.close();
    }
    expect(expected.find((s) => s.id === schoolId)?.score).toEqual(expect.any(Number));

    const restored = await startCollectorProcess(restoredDir);
    try {
      const listed = (await (await fetch(`${restored.url}/api/v1/schools`)).json()) as SchoolSummary[];
      expect(listed).toEqual(expected);
      // A running collector's database is not replaced.
      const busy = await runToEnd([collectorBin, 'restore', backupFile, '--data', restoredDir]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/SKOLNET_STORE_IN_USE/);
    } finally {
      await restored.proc.stop();
    }
    const store = await createSqliteStore(join(restoredDir, DATABASE_FILE));
    try {
      expect(await store.countResults({ schoolId })).toBe(restoredCount);
    } finally {
      await store.close();
    }
  });

  it('refuses a corrupt or foreign file and leaves the current database as it was', async () => {
    const restoredDir = join(dir, 'restored');
    const current = join(restoredDir, DATABASE_FILE);
    const before = await sha256(current);
    const filesBefore = (await readdir(restoredDir)).sort();

    const garbage = join(dir, 'garbage.backup');
    await writeFile(garbage, Buffer.alloc(64 * 1024, 'not a database '));
    const truncated = join(dir, 'truncated.backup');
    await writeFile(truncated, (await readFile(join(dir, 'skolnet.backup'))).subarray(0, 8192));
    const foreign = join(dir, 'foreign.backup');
    const db = openSqlite(foreign);
    db.exec('create table inventory (id integer primary key, name text)');
    db.close();

    for (const file of [garbage, truncated, foreign, join(dir, 'missing.backup')]) {
      const refused = await runToEnd([collectorBin, 'restore', file, '--data', restoredDir]);
      expect(refused.code, file).toBe(2);
      expect(refused.stderr, file).toMatch(/is not a usable skolnet database: .*\(SKOLNET_BACKUP_INVALID\)/);
    }
    expect(await sha256(current)).toBe(before);
    expect((await readdir(restoredDir)).sort()).toEqual(filesBefore);
    expect(schoolIds).toHaveLength(1);
  });

  it('points to pg_dump and pg_restore for a PostgreSQL database', async () => {
    const env = { SKOLNET_DATABASE_URL: 'postgres://skolnet@127.0.0.1/skolnet' };
    const backup = await runToEnd([collectorBin, 'backup', join(dir, 'pg.backup')], env);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toMatch(/pg_dump/);
    const restore = await runToEnd([collectorBin, 'restore', join(dir, 'pg.backup')], env);
    expect(restore.code).toBe(2);
    expect(restore.stderr).toMatch(/pg_restore/);
  });
});
