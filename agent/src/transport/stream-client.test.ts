import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_NAME,
  uuidv7,
  type Batch,
  type Hello,
  type Result,
} from '@skolnet/shared';
import { SqliteOutbox } from '../outbox/sqlite-outbox.js';
import { StreamClient, type StreamClientOptions, type StreamEvent } from './stream-client.js';
import { eventually } from '../../../test/support/poll.js';

/** Waits for an assertion to hold; generous so a loaded CI machine does not fail it, fast when all is well. */

const SECRET = 'k'.repeat(32);

const result = (n: number, extra: Record<string, string> = {}): Result => ({
  id: uuidv7(),
  agent_id: 'agent-1',
  school_id: 'school-1',
  measurement: 'latency',
  fields: { rtt_avg_ms: n, ...extra },
  tags: {},
  at: new Date().toISOString(),
});

interface Received {
  conn: number;
  batch: Batch;
}

/**
 * A small collector speaking the stream protocol over a real ws server.
 * `onBatch` decides the reply; by default every result is accepted.
 */
class FakeCollector {
  wss!: WebSocketServer;
  port = 0;
  connections = 0;
  hellos: Hello[] = [];
  batches: Received[] = [];
  configAcks: unknown[] = [];
  closes: number[] = [];
  protocols: string[] = [];
  paths: string[] = [];
  sockets = new Set<WebSocket>();
  welcome: Record<string, unknown> = { max_batch_results: 500, max_message_bytes: 1024 * 1024 };
  beforeWelcome: (ws: WebSocket) => void = () => {};
  onBatch: (ws: WebSocket, batch: Batch, conn: number) => void = (ws, batch) => ack(ws, batch);

  async listen(port = 0): Promise<void> {
    this.wss = new WebSocketServer({
      host: '127.0.0.1',
      port,
      handleProtocols: (p) => (p.has(PROTOCOL_NAME) ? PROTOCOL_NAME : false),
    });
    await new Promise<void>((r) => this.wss.once('listening', () => r()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (ws, req) => {
      const conn = ++this.connections;
      this.sockets.add(ws);
      this.protocols.push(ws.protocol);
      this.paths.push(req.url ?? '');
      ws.on('close', (code) => {
        this.closes.push(code);
        this.sockets.delete(ws);
      });
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as { type: string };
        if (msg.type === 'hello') {
          const hello = msg as Hello;
          this.hellos.push(hello);
          this.beforeWelcome(ws);
          ws.send(
            JSON.stringify({
              type: 'welcome',
              agent_id: hello.agent_id,
              school_id: 'school-1',
              server_time: new Date().toISOString(),
              ...this.welcome,
            }),
          );
        } else if (msg.type === 'batch') {
          this.batches.push({ conn, batch: msg as Batch });
          this.onBatch(ws, msg as Batch, conn);
        } else if (msg.type === 'config_ack') {
          this.configAcks.push(msg);
        }
      });
    });
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  ids(): string[] {
    return this.batches.flatMap((b) => (b.batch.results as Result[]).map((r) => r.id));
  }
}

function ack(ws: WebSocket, batch: Batch, rejectIds: ReadonlySet<string> = new Set()): void {
  const ids = (batch.results as Result[]).map((r) => r.id);
  ws.send(
    JSON.stringify({
      type: 'ack',
      batch_id: batch.batch_id,
      accepted: ids.filter((id) => !rejectIds.has(id)),
      rejected: ids
        .filter((id) => rejectIds.has(id))
        .map((id) => ({ id, code: ErrorCodes.INGEST_RESULT_INVALID, message: '/fields: nope' })),
    }),
  );
}

let dir: string;
let outbox: SqliteOutbox;
let server: FakeCollector;
let client: StreamClient | undefined;
let events: StreamEvent[];

const startClient = (over: Partial<StreamClientOptions> = {}): StreamClient => {
  client = new StreamClient({
    collectorUrl: server.url,
    agentId: 'agent-1',
    secret: SECRET,
    outbox,
    agentVersion: '0.1.0-test',
    onEvent: (e) => events.push(e),
    ackTimeoutMs: 5_000,
    welcomeTimeoutMs: 5_000,
    backoff: { initialMs: 10, maxMs: 40 },
    random: () => 0.5,
    ...over,
  });
  client.start();
  return client;
};
const states = (): string[] => events.flatMap((e) => (e.type === 'state' ? [e.state] : []));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skolnet-stream-'));
  outbox = new SqliteOutbox(join(dir, 'outbox.sqlite'));
  events = [];
  server = new FakeCollector();
  await server.listen();
});

afterEach(async () => {
  await client?.stop();
  client = undefined;
  await server.close();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('StreamClient', () => {
  it('reports its outbox depth and oldest result with each batch', async () => {
    const oldest = { ...result(1), at: '2026-03-02T08:00:00.000Z' };
    outbox.append([oldest, result(2), result(3)]);
    server.onBatch = () => {}; // no ack: the first batch is all we look at
    startClient();
    await eventually(() => expect(server.batches).toHaveLength(1));
    expect(server.batches[0]!.batch.outbox).toEqual({ depth: 3, oldest_at: '2026-03-02T08:00:00.000Z' });
  });

  it('says hello, streams the outbox, and settles accepted and rejected results', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => result(i));
    outbox.append(rows);
    const reject = new Set([rows[1]!.id, rows[3]!.id]);
    server.onBatch = (ws, batch) => ack(ws, batch, reject);
    startClient();
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(server.protocols).toEqual([PROTOCOL_NAME]);
    expect(server.paths).toEqual([AGENT_STREAM_PATH]);
    expect(server.hellos[0]).toMatchObject({
      type: 'hello',
      protocol: 1,
      agent_id: 'agent-1',
      secret: SECRET,
      outbox_depth: 5,
    });
    expect(server.ids()).toEqual(rows.map((r) => r.id));
    expect(outbox.stats().rejected_total).toBe(2);
    expect(
      outbox
        .rejected()
        .map((r) => r.id)
        .sort(),
    ).toEqual([...reject].sort());
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'acked', sent: 5, accepted: 3, rejected: 2, outbox_depth: 0 }),
    );
    expect(states().slice(0, 2)).toEqual(['connecting', 'connected']);
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it('respects the welcome batch size and sends new results when they are appended', async () => {
    server.welcome = { max_batch_results: 2, max_message_bytes: 1024 * 1024 };
    outbox.append([result(1), result(2), result(3)]);
    // A peek while the client waits on an append listener would be polling.
    let waiting = 0;
    let peeksWhileWaiting = 0;
    const counting = {
      peek: (limit: number, maxBytes?: number) => {
        if (waiting > 0) peeksWhileWaiting += 1;
        return outbox.peek(limit, maxBytes);
      },
      settle: outbox.settle.bind(outbox),
      depth: outbox.depth.bind(outbox),
      onAppend: (listener: () => void) => {
        waiting += 1;
        const off = outbox.onAppend(listener);
        return () => {
          waiting -= 1;
          off();
        };
      },
    };
    startClient({ outbox: counting });
    await eventually(() => expect(server.batches).toHaveLength(2));
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(server.batches.map((b) => b.batch.results.length)).toEqual([2, 1]);
    // Idle: the client waits for an append instead of polling the outbox.
    await eventually(() => expect(waiting).toBe(1));
    const later = result(9);
    outbox.append([later]);
    await eventually(() => expect(server.ids()).toContain(later.id));
    expect(peeksWhileWaiting).toBe(0);
    expect(server.connections).toBe(1);
  });

  it('reconnects and resends the same rows when an ack never comes', async () => {
    const rows = [result(1), result(2)];
    outbox.append(rows);
    server.onBatch = (ws, batch, conn) => {
      if (conn > 1) ack(ws, batch); // the first connection swallows the batch
    };
    startClient({ ackTimeoutMs: 100 });
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(server.batches.map((b) => b.conn)).toEqual([1, 2]);
    const [first, second] = server.batches;
    expect((second!.batch.results as Result[]).map((r) => r.id)).toEqual(
      (first!.batch.results as Result[]).map((r) => r.id),
    );
    expect(second!.batch.batch_id).not.toBe(first!.batch.batch_id);
    expect(events).toContainEqual(
      expect.objectContaining({ state: 'disconnected', reason: expect.stringMatching(/no ack/) }),
    );
  });

  it('keeps a batch the collector could not store and tries again on a new connection, without waiting out the ack timeout', async () => {
    const rows = [result(1), result(2)];
    outbox.append(rows);
    server.onBatch = (ws, batch, conn) => {
      if (conn > 1) {
        ack(ws, batch);
        return;
      }
      // As the collector answers while its disk is full.
      ws.send(
        JSON.stringify({
          type: 'error',
          code: ErrorCodes.STORE_FAILED,
          message: 'the collector could not store this batch; resend it later',
          batch_id: batch.batch_id,
        }),
      );
    };
    // Before: the client waited the whole ack timeout (an hour here) before trying again.
    startClient({ ackTimeoutMs: 3_600_000 });
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(server.batches.map((b) => b.conn)).toEqual([1, 2]);
    expect(server.ids()).toEqual([...rows.map((r) => r.id), ...rows.map((r) => r.id)]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'server_error', code: ErrorCodes.STORE_FAILED }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        state: 'disconnected',
        reason: expect.stringMatching(/could not store batch/),
      }),
    );
  });

  it('reconnects with backoff after the collector restarts', async () => {
    startClient();
    await eventually(() => expect(client?.state).toBe('connected'));
    const port = server.port;
    await server.close();
    await eventually(() =>
      expect(
        events.filter((e) => e.type === 'state' && e.state === 'disconnected').length,
      ).toBeGreaterThanOrEqual(2),
    );
    const delays = events.flatMap((e) =>
      e.type === 'state' && e.state === 'disconnected' ? [e.retry_in_ms] : [],
    );
    // Full jitter with random()=0.5: half of 10, 20, 40 (capped) ms.
    expect(delays.slice(0, 3)).toEqual([5, 10, 20].slice(0, delays.slice(0, 3).length));
    server = new FakeCollector();
    await server.listen(port);
    const row = result(7);
    outbox.append([row]);
    await eventually(() => expect(server.ids()).toContain(row.id));
    await eventually(() => expect(outbox.depth()).toBe(0));
  });

  it('ignores invalid messages from the collector and logs only their code', async () => {
    server.beforeWelcome = (ws) => {
      ws.send('not json at all');
      ws.send(JSON.stringify({ type: 'ack', batch_id: 5, accepted: 'secret-looking-content' }));
      ws.send(
        JSON.stringify({ type: 'config', version: 1, config: { probes: { latency: { interval_s: 1 } } } }),
      );
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
    };
    outbox.append([result(1)]);
    startClient();
    await eventually(() => expect(outbox.depth()).toBe(0));
    const invalid = events.filter((e) => e.type === 'invalid_message');
    expect(invalid).toHaveLength(3);
    expect(
      invalid.every((e) => e.type === 'invalid_message' && e.code === ErrorCodes.PROTOCOL_MALFORMED),
    ).toBe(true);
    expect(JSON.stringify(invalid)).not.toContain('secret-looking-content');
    // A well-formed config message with a bad configuration is refused with
    // an ack that says where, so the collector learns of it.
    await eventually(() => expect(server.configAcks).toHaveLength(1));
    expect(server.configAcks[0]).toMatchObject({ version: 1, applied: false });
    expect((server.configAcks[0] as { error?: string }).error).toContain('/config/probes/latency/interval_s');
  });

  it('acks a valid config push after applying it', async () => {
    const applied: unknown[] = [];
    server.beforeWelcome = (ws) =>
      ws.send(
        JSON.stringify({ type: 'config', version: 4, config: { probes: { latency: { interval_s: 120 } } } }),
      );
    startClient({ onConfig: (push) => void applied.push(push.config) });
    await eventually(() => expect(server.configAcks).toHaveLength(1));
    expect(server.configAcks[0]).toEqual({ type: 'config_ack', version: 4, applied: true });
    expect(applied).toEqual([{ probes: { latency: { interval_s: 120 } } }]);
  });

  it('reports a config it cannot apply', async () => {
    server.beforeWelcome = (ws) =>
      ws.send(JSON.stringify({ type: 'config', version: 2, config: { probes: {} } }));
    startClient({
      onConfig: () => {
        throw new Error('disk full');
      },
    });
    await eventually(() => expect(server.configAcks).toHaveLength(1));
    expect(server.configAcks[0]).toEqual({
      type: 'config_ack',
      version: 2,
      applied: false,
      error: 'disk full',
    });
  });

  it('backs off to the maximum when the collector rejects the credentials', async () => {
    server.beforeWelcome = (ws) => {
      ws.send(
        JSON.stringify({ type: 'error', code: ErrorCodes.AUTH_UNAUTHORIZED, message: 'unknown agent' }),
      );
      ws.close(4401, 'unauthorized');
    };
    // Welcome is still sent by the fake after beforeWelcome; a closed socket drops it.
    startClient({ backoff: { initialMs: 10, maxMs: 30 } });
    await eventually(() =>
      expect(events.filter((e) => e.type === 'auth_rejected').length).toBeGreaterThanOrEqual(2),
    );
    const delays = events.flatMap((e) =>
      e.type === 'state' && e.state === 'disconnected' ? [e.retry_in_ms] : [],
    );
    expect(delays.every((d) => d === 30)).toBe(true);
  });

  it('settles only ids of the batch it sent, and backs off from an ack that settles nothing', async () => {
    server.welcome = { max_batch_results: 2, max_message_bytes: 1024 * 1024 };
    const rows = [result(0), result(1), result(2)];
    outbox.append(rows);
    // The first connection answers its first batch with an ack naming a queued row it was not sent.
    server.onBatch = (ws, batch, conn) => {
      if (conn === 1) {
        ws.send(
          JSON.stringify({ type: 'ack', batch_id: batch.batch_id, accepted: [rows[2]!.id], rejected: [] }),
        );
      } else ack(ws, batch);
    };
    startClient();
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(server.batches.map((b) => b.conn)).toEqual([1, 2, 2]);
    // The row the bogus ack named was still delivered, not silently deleted.
    expect(server.batches.slice(1).flatMap((b) => (b.batch.results as Result[]).map((r) => r.id))).toEqual(
      rows.map((r) => r.id),
    );
    expect(events).toContainEqual(expect.objectContaining({ type: 'acked', accepted: 0, unsettled: 2 }));
    expect(events).toContainEqual(
      expect.objectContaining({ state: 'disconnected', reason: expect.stringMatching(/settled none/) }),
    );
  });

  it('treats an HTTP 401 on upgrade as rejected credentials', async () => {
    await server.close();
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      verifyClient: (_info, cb) => cb(false, 401, 'Unauthorized'),
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    try {
      startClient({
        collectorUrl: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
        backoff: { initialMs: 10, maxMs: 25 },
      });
      await eventually(() => expect(events.some((e) => e.type === 'auth_rejected')).toBe(true));
      await eventually(() =>
        expect(events).toContainEqual(expect.objectContaining({ state: 'disconnected', retry_in_ms: 25 })),
      );
    } finally {
      await client?.stop();
      client = undefined;
      await new Promise<void>((r) => wss.close(() => r()));
      await server.listen();
    }
  });

  it('drops a result too large for any batch instead of blocking the queue', async () => {
    server.welcome = { max_batch_results: 500, max_message_bytes: 1024 };
    const big = result(1, { note: 'x'.repeat(1000) });
    const small = result(2);
    outbox.append([big, small]);
    startClient();
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(server.ids()).toEqual([small.id]);
    expect(outbox.rejected()[0]).toMatchObject({ id: big.id, code: ErrorCodes.PROTOCOL_TOO_LARGE });
    expect(events).toContainEqual(expect.objectContaining({ type: 'dropped_oversized', id: big.id }));
  });

  it('closes cleanly on stop, even while waiting for an ack', async () => {
    server.onBatch = () => {};
    outbox.append([result(1)]);
    const c = startClient();
    await eventually(() => expect(server.batches).toHaveLength(1));
    await c.stop();
    await eventually(() => expect(server.closes).toEqual([1000]));
    expect(c.state).toBe('disconnected');
    expect(outbox.depth()).toBe(1);
  });

  it('ends a connection whose pongs stop', async () => {
    startClient({ pingIntervalMs: 20 });
    await eventually(() => expect(client?.state).toBe('connected'));
    // Silence the server side: a paused socket neither reads pings nor answers them.
    for (const ws of server.sockets) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await eventually(() =>
      expect(events).toContainEqual(
        expect.objectContaining({ state: 'disconnected', reason: 'no pong from the collector' }),
      ),
    );
  });
});

describe('StreamClient URL', () => {
  it('maps http to ws and https to wss, keeping a base path', () => {
    const o = { agentId: 'a', secret: SECRET, agentVersion: '1', outbox: {} as never };
    expect(new StreamClient({ ...o, collectorUrl: 'http://h:8080' }).url).toBe(
      `ws://h:8080${AGENT_STREAM_PATH}`,
    );
    expect(new StreamClient({ ...o, collectorUrl: 'https://h/skolnet/' }).url).toBe(
      `wss://h/skolnet${AGENT_STREAM_PATH}`,
    );
  });
});
