import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, ProtocolLimits, uuidv7, type Batch, type Result, type Welcome } from '@skolnet/shared';
import { eventually } from '../../../test/support/poll.js';
import { WsPeer, type PeerConnection } from '../../../test/support/ws-peer.js';
import { SqliteOutbox } from '../outbox/sqlite-outbox.js';
import { batchLimits, pumpBatches, type BatchPumpOptions } from './batch-pump.js';
import type { StreamEvent, StreamOutbox } from './stream-events.js';
import { StreamSocket } from './stream-socket.js';

const result = (n: number, extra: Record<string, string> = {}): Result => ({
  id: uuidv7(),
  agent_id: 'agent-1',
  school_id: 'school-1',
  measurement: 'latency',
  fields: { rtt_avg_ms: n, ...extra },
  tags: {},
  at: '2026-03-02T08:00:00.000Z',
});

/** The collector's side: answers every batch with `reply` (default: accept all). */
function answer(conn: PeerConnection, reply: (batch: Batch) => object | undefined): void {
  conn.ws.on('message', (data) => {
    const batch = JSON.parse((data as Buffer).toString('utf8')) as Batch;
    const out = reply(batch);
    if (out !== undefined) conn.ws.send(JSON.stringify(out));
  });
}
const acceptAll = (batch: Batch): object => ({
  type: 'ack',
  batch_id: batch.batch_id,
  accepted: (batch.results as Result[]).map((r) => r.id),
  rejected: [],
});
const batches = (conn: PeerConnection): Batch[] => conn.received as Batch[];
const ids = (conn: PeerConnection): string[] =>
  batches(conn).flatMap((b) => (b.results as Result[]).map((r) => r.id));

let dir: string;
let outbox: SqliteOutbox;
let peer: WsPeer;
let sockets: StreamSocket[];
let events: StreamEvent[];
let stop: AbortController;

async function connect(): Promise<{ socket: StreamSocket; conn: PeerConnection }> {
  const socket = new StreamSocket({
    url: peer.url,
    handshakeTimeoutMs: 5_000,
    onAside: () => {},
    onInvalid: () => {},
  });
  sockets.push(socket);
  expect(await socket.opened()).toBe(true);
  return { socket, conn: await peer.accepted(sockets.length - 1) };
}

const options = (over: Partial<BatchPumpOptions> = {}): BatchPumpOptions => ({
  outbox,
  limits: { maxResults: 500, maxBytes: 1024 * 1024 },
  ackTimeoutMs: 5_000,
  signal: stop.signal,
  emit: (e) => events.push(e),
  ...over,
});

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skolnet-pump-'));
  outbox = new SqliteOutbox(join(dir, 'outbox.sqlite'));
  peer = await WsPeer.listen();
  sockets = [];
  events = [];
  stop = new AbortController();
});

afterEach(async () => {
  stop.abort();
  for (const s of sockets) {
    s.terminate();
    await s.closed;
    s.dispose();
  }
  await peer.close();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('batchLimits', () => {
  it("takes the collector's limits, never above the protocol's", () => {
    const welcome = (results: number, bytes: number): Welcome => ({
      type: 'welcome',
      agent_id: 'a',
      school_id: 's',
      server_time: '2026-03-02T08:00:00.000Z',
      max_batch_results: results,
      max_message_bytes: bytes,
    });
    expect(batchLimits(welcome(20, 4096))).toEqual({ maxResults: 20, maxBytes: 4096 });
    expect(
      batchLimits(welcome(ProtocolLimits.maxBatchResults + 1, ProtocolLimits.maxMessageBytes + 1)),
    ).toEqual({ maxResults: ProtocolLimits.maxBatchResults, maxBytes: ProtocolLimits.maxMessageBytes });
  });
});

describe('pumpBatches', () => {
  it('sends the oldest results in batches of the limit and settles each by its ack', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => result(i));
    outbox.append(rows);
    const { socket, conn } = await connect();
    const reject = rows[3]!.id;
    answer(conn, (batch) => ({
      type: 'ack',
      batch_id: batch.batch_id,
      accepted: (batch.results as Result[]).map((r) => r.id).filter((id) => id !== reject),
      rejected: (batch.results as Result[])
        .filter((r) => r.id === reject)
        .map((r) => ({ id: r.id, code: ErrorCodes.INGEST_RESULT_INVALID, message: '/fields: nope' })),
    }));
    let settled = 0;
    const pumping = pumpBatches(socket, {
      ...options({ limits: { maxResults: 2, maxBytes: 1024 * 1024 } }),
      onSettled: () => (settled += 1),
    });
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(batches(conn).map((b) => b.results.length)).toEqual([2, 2, 1]);
    expect(ids(conn)).toEqual(rows.map((r) => r.id));
    expect(batches(conn)[0]!.outbox).toEqual({ depth: 5, oldest_at: '2026-03-02T08:00:00.000Z' });
    expect(outbox.rejected().map((r) => r.id)).toEqual([reject]);
    expect(settled).toBe(3);
    expect(events.filter((e) => e.type === 'acked').map((e) => e.type === 'acked' && e.outbox_depth)).toEqual(
      [3, 1, 0],
    );
    stop.abort();
    await pumping;
  });

  it('waits for an append instead of polling an empty outbox, and returns when the agent stops', async () => {
    const { socket, conn } = await connect();
    answer(conn, acceptAll);
    let peeks = 0;
    const counting: StreamOutbox = {
      peek: (limit, maxBytes) => ((peeks += 1), outbox.peek(limit, maxBytes)),
      settle: (a, r) => outbox.settle(a, r),
      depth: () => outbox.depth(),
      onAppend: (listener) => outbox.onAppend(listener),
    };
    const pumping = pumpBatches(socket, options({ outbox: counting }));
    await eventually(() => expect(peeks).toBe(1));
    const later = result(9);
    outbox.append([later]);
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(ids(conn)).toEqual([later.id]);
    // One peek found nothing, one found the row, one found nothing again; then it waits.
    await eventually(() => expect(peeks).toBe(3));
    stop.abort();
    await pumping;
    expect(peeks).toBe(3);
    // A batch without the outbox's stats carries no report.
    expect(batches(conn)[0]).not.toHaveProperty('outbox');
  });

  it('keeps a batch whose ack never comes, and the next connection delivers it once', async () => {
    const rows = [result(1), result(2)];
    outbox.append(rows);
    const first = await connect();
    // The collector swallows the batch.
    await pumpBatches(first.socket, options({ ackTimeoutMs: 50 }));
    expect(first.socket.closeReason).toMatch(/^no ack for batch [0-9a-f-]+ in time$/);
    // Dropped, not closed with a frame: a collector that does not ack may not read one either.
    expect(await first.conn.closed).toBe(1006);
    expect(outbox.depth()).toBe(2);
    const second = await connect();
    answer(second.conn, acceptAll);
    const pumping = pumpBatches(second.socket, options());
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(ids(first.conn)).toEqual(rows.map((r) => r.id));
    expect(ids(second.conn)).toEqual(rows.map((r) => r.id));
    expect(batches(second.conn)[0]!.batch_id).not.toBe(batches(first.conn)[0]!.batch_id);
    stop.abort();
    await pumping;
  });

  it('keeps a batch the collector could not store and ends the connection at once', async () => {
    outbox.append([result(1)]);
    const { socket, conn } = await connect();
    answer(conn, (batch) => ({
      type: 'error',
      code: ErrorCodes.STORE_FAILED,
      message: 'the collector could not store this batch; resend it later',
      batch_id: batch.batch_id,
    }));
    // An hour's ack timeout: returning at all shows it did not wait for it.
    await pumpBatches(socket, options({ ackTimeoutMs: 3_600_000 }));
    expect(await conn.closed).toBe(1000);
    expect(outbox.depth()).toBe(1);
    expect(socket.closeReason).toMatch(/could not store batch .* \(SKOLNET_STORE_FAILED\)$/);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'server_error', code: ErrorCodes.STORE_FAILED }),
    );
  });

  it("settles only the batch's own results and ends on an ack that settles none of them", async () => {
    const rows = [result(0), result(1), result(2)];
    outbox.append(rows);
    const { socket, conn } = await connect();
    // An ack naming a queued row it was never sent.
    answer(conn, (batch) => ({
      type: 'ack',
      batch_id: batch.batch_id,
      accepted: [rows[2]!.id],
      rejected: [],
    }));
    let settled = 0;
    await pumpBatches(socket, {
      ...options({ limits: { maxResults: 2, maxBytes: 1024 * 1024 } }),
      onSettled: () => (settled += 1),
    });
    expect(await conn.closed).toBe(1002);
    expect(outbox.depth()).toBe(3);
    expect(settled).toBe(0);
    expect(socket.closeReason).toMatch(/settled none of its results$/);
    expect(events).toContainEqual(expect.objectContaining({ type: 'acked', accepted: 0, unsettled: 2 }));
  });

  it('halves a batch until it fits, and drops a lone result too large for any', async () => {
    const big = result(1, { note: 'x'.repeat(1000) });
    const smalls = [result(2), result(3), result(4), result(5)];
    outbox.append([big, ...smalls]);
    const { socket, conn } = await connect();
    answer(conn, acceptAll);
    const maxBytes = 1024;
    const pumping = pumpBatches(socket, options({ limits: { maxResults: 500, maxBytes } }));
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(ids(conn)).toEqual(smalls.map((r) => r.id));
    for (const b of batches(conn)) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThanOrEqual(maxBytes);
    expect(outbox.rejected()[0]).toMatchObject({ id: big.id, code: ErrorCodes.PROTOCOL_TOO_LARGE });
    expect(events).toContainEqual(expect.objectContaining({ type: 'dropped_oversized', id: big.id }));
    stop.abort();
    await pumping;
  });

  it('reports the oldest result in the form the collector checks, and leaves out an unreadable one', async () => {
    const { socket, conn } = await connect();
    answer(conn, acceptAll);
    let oldest = '2026-03-02T10:00:00+02:00';
    const reporting: StreamOutbox = {
      peek: (limit, maxBytes) => outbox.peek(limit, maxBytes),
      settle: (a, r) => outbox.settle(a, r),
      depth: () => outbox.depth(),
      stats: () => ({ depth: outbox.depth(), oldest_at: oldest }),
      onAppend: (listener) => outbox.onAppend(listener),
    };
    const pumping = pumpBatches(socket, options({ outbox: reporting }));
    outbox.append([result(1)]);
    await eventually(() => expect(batches(conn)).toHaveLength(1));
    await eventually(() => expect(outbox.depth()).toBe(0));
    oldest = 'not a time';
    outbox.append([result(2)]);
    await eventually(() => expect(batches(conn)).toHaveLength(2));
    expect(batches(conn).map((b) => b.outbox)).toEqual([
      { depth: 1, oldest_at: '2026-03-02T08:00:00.000Z' },
      { depth: 1 },
    ]);
    stop.abort();
    await pumping;
  });

  it('throws when the outbox fails, for the client to retry later', async () => {
    const { socket } = await connect();
    const failing: StreamOutbox = {
      peek: () => {
        throw new Error('disk I/O error');
      },
      settle: () => undefined,
      depth: () => 0,
      onAppend: () => () => {},
    };
    await expect(pumpBatches(socket, options({ outbox: failing }))).rejects.toThrow('disk I/O error');
  });
});
