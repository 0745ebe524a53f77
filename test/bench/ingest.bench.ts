/**
 * Ingest benchmark: results per second through the real WebSocket ingest of
 * a collector running as its own process (the way agents deliver), beside
 * the ceiling of the same rows inserted straight into SQLite with
 * better-sqlite3 in this process (same schema, same pragmas, same batch
 * size). The ratio is what the protocol, validation and Kysely cost.
 *
 * One batch in flight at a time, as the agent sends; a second pass resends
 * every batch to measure the idempotent (all-duplicates) path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, PROTOCOL_VERSION, percentile, type Result } from '@skolnet/shared';
import { createSchoolAndCode } from '../support/enrollment.js';
import { RunningProcess, collectorBin } from '../support/processes.js';
import { adminTokenFromCli } from '../support/collector.js';
import { benchResult } from '../../scripts/src/bench-results.js';
import { fmt, printTable, rawSqliteReference } from './support.js';

/** Results per run: enough batches for a stable p99 on a 2-core machine. */
const RESULTS = 50_000;
/** Batch size: the protocol maximum, as a backlogged agent sends. */
const BATCH = 500;

function makeResults(agentId: string, schoolId: string, n: number): Result[] {
  const start = Date.now() - n * 1000;
  return Array.from({ length: n }, (_, i) => benchResult(agentId, schoolId, start, i));
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

describe('ingest', () => {
  let dir: string;
  let collector: RunningProcess;
  let url = '';
  let token = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-bench-'));
    collector = new RunningProcess(
      'collector',
      [collectorBin, 'serve', '--port', '0', '--data', join(dir, 'c')],
      {
        // Per-request logging would measure the logger, not ingest.
        SKOLNET_LOG_LEVEL: 'warn',
      },
    );
    url = (await collector.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    token = await adminTokenFromCli(['--data', join(dir, 'c')]);
  });

  afterAll(async () => {
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('WebSocket ingest into SQLite beside raw better-sqlite3 inserts', async () => {
    const { schoolId, code } = await createSchoolAndCode(url, token, {
      name: 'Bench school',
      municipality: 'Rīga',
      pupils: 500,
    });
    const creds = (await (
      await fetch(`${url}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, hostname: 'bench', agent_version: 'bench' }),
      })
    ).json()) as { agent_id: string; secret: string };

    const results = makeResults(creds.agent_id, schoolId, RESULTS);
    const batches = chunks(results, BATCH).map((r, i) =>
      JSON.stringify({ type: 'batch', batch_id: `b${i}`, results: r }),
    );

    // --- skolnet: real WebSocket ingest, one batch in flight.
    const ws = new WebSocket(`${url.replace('http', 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
    const inbox: ((msg: { type: string; accepted?: string[] }) => void)[] = [];
    ws.on('message', (data: Buffer) => inbox.shift()?.(JSON.parse(data.toString()) as { type: string }));
    const next = (): Promise<{ type: string; accepted?: string[] }> => new Promise((r) => inbox.push(r));
    await new Promise((r) => ws.once('open', r));
    const welcome = next();
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: creds.agent_id,
        secret: creds.secret,
        agent_version: 'bench',
      }),
    );
    expect((await welcome).type).toBe('welcome');

    const pass = async (): Promise<{ seconds: number; acks: number[]; accepted: number }> => {
      const acks: number[] = [];
      let accepted = 0;
      const t0 = performance.now();
      for (const batch of batches) {
        const t = performance.now();
        const reply = next();
        ws.send(batch);
        const ack = await reply;
        acks.push(performance.now() - t);
        expect(ack.type).toBe('ack');
        accepted += ack.accepted?.length ?? 0;
      }
      return { seconds: (performance.now() - t0) / 1000, acks, accepted };
    };
    const first = await pass();
    const resend = await pass();
    ws.close();
    expect(first.accepted).toBe(RESULTS);
    expect(resend.accepted).toBe(RESULTS);

    // --- reference: the same rows straight into SQLite, same schema and batch size.
    const { db, insertBatch } = await rawSqliteReference(join(dir, 'ref.db'));
    const refAcks: number[] = [];
    const r0 = performance.now();
    for (const rows of chunks(results, BATCH)) {
      const t = performance.now();
      insertBatch(rows);
      refAcks.push(performance.now() - t);
    }
    const refSeconds = (performance.now() - r0) / 1000;
    expect((db.prepare('SELECT COUNT(*) AS n FROM results').get() as { n: number }).n).toBe(RESULTS);
    db.close();

    const rate = (s: number): number => RESULTS / s;
    printTable(
      `ingest: ${fmt(RESULTS)} results in batches of ${BATCH}, one batch in flight`,
      ['path', 'results/s', 'batch p50 ms', 'batch p99 ms', 'vs raw SQLite'],
      [
        [
          'skolnet WebSocket ingest (collector process)',
          fmt(rate(first.seconds)),
          fmt(percentile(first.acks, 50), 1),
          fmt(percentile(first.acks, 99), 1),
          fmt(rate(first.seconds) / rate(refSeconds), 2),
        ],
        [
          'skolnet resend (all duplicates)',
          fmt(rate(resend.seconds)),
          fmt(percentile(resend.acks, 50), 1),
          fmt(percentile(resend.acks, 99), 1),
          fmt(rate(resend.seconds) / rate(refSeconds), 2),
        ],
        [
          'reference: better-sqlite3 INSERT, same schema',
          fmt(rate(refSeconds)),
          fmt(percentile(refAcks, 50), 1),
          fmt(percentile(refAcks, 99), 1),
          '1.00',
        ],
      ],
    );
  });
});
