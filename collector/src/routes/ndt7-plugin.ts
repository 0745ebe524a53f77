import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ErrorCodes } from '@skolnet/shared';

/** The ndt7 WebSocket subprotocol (ndt7 spec, "Protocol description"). */
export const NDT7_SUBPROTOCOL = 'net.measurementlab.ndt.v7';
/** ndt7 paths (ndt7 spec: `/ndt/v7/download`, `/ndt/v7/upload`). */
export const Ndt7Paths = { download: '/ndt/v7/download', upload: '/ndt/v7/upload' } as const;

/** Largest message either side may send, in bytes: 2^24 (ndt7 spec, "Message size"). */
export const NDT7_MAX_MESSAGE_BYTES = 1 << 24;
/** First binary message size in a download, in bytes: 2^13 (ndt7 spec, reference server). */
const INITIAL_MESSAGE_BYTES = 1 << 13;
/**
 * The download doubles its message size once the bytes sent exceed this
 * many times the current size (ndt7 spec: scale so the message is about
 * 1/16 of what was sent), so a slow line gets small messages and a fast one
 * big ones.
 */
const MESSAGE_SCALING_FRACTION = 16;
/** Default length of each test, in ms: 10 s (ndt7 spec: the server ends the test after ~10 s). */
const DEFAULT_DURATION_MS = 10_000;
/** Time between the server's measurement messages, in ms: 250 ms, as the reference server. */
const MEASUREMENT_INTERVAL_MS = 250;
/**
 * Download messages written but not yet flushed to the socket. Enough to
 * keep the kernel's send buffer full between event-loop turns, few enough
 * that the process does not queue megabytes of its own.
 */
const MAX_IN_FLIGHT_MESSAGES = 4;
/** Random bytes the download messages are cut from (4 MiB, cf. the speed endpoints' pool). */
const POOL_BYTES = 4 * 1024 * 1024;
/** WebSocket close code for a normal end of test (RFC 6455 §7.4.1). */
const CLOSE_NORMAL = 1000;
/** Close code when the server is too busy: 1013 "try again later" (IANA WebSocket close codes). */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** Options of {@link ndt7Plugin}. */
export interface Ndt7PluginOptions {
  /** Length of each test, in ms; default 10 000 (the spec's). Tests shorten it. */
  durationMs?: number;
  /** Most tests at once; default the speed endpoints' `maxConcurrentTransfers`. */
  maxConcurrent?: number;
}

/** The server's measurement message (ndt7 spec, "Measurement message"). */
interface Ndt7Measurement {
  AppInfo: { ElapsedTime: number; NumBytes: number };
  ConnectionInfo: { Client: string; Server: string; UUID: string };
  Origin: 'server';
  Test: 'download' | 'upload';
}

/**
 * ndt7-compatible endpoints, so the M-Lab ndt7 clients (and the agent's
 * `ndt7` probe) measure against the ministry's own server exactly as they
 * would against M-Lab. Download: the server sends random binary messages
 * of growing size for the test duration, with a JSON measurement text
 * message every 250 ms. Upload: the server counts what the client sends
 * and answers with the same measurements, counted at the receiver. TCPInfo
 * and BBRInfo are optional in the spec and left out: Node cannot read the
 * kernel's TCP_INFO.
 *
 * It runs its own `ws` server (subprotocol and the spec's 16 MiB message
 * limit differ from the agent stream's), and takes upgrades on its two
 * paths before `@fastify/websocket` would.
 */
export const ndt7Plugin: FastifyPluginAsync<Ndt7PluginOptions> = async (app, opts) => {
  const durationMs = opts.durationMs ?? DEFAULT_DURATION_MS;
  const maxConcurrent = opts.maxConcurrent ?? app.config.speed.maxConcurrentTransfers;
  const pool = randomBytes(POOL_BYTES);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: NDT7_MAX_MESSAGE_BYTES,
    // Compression would measure the CPU, not the line (the spec forbids it).
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(NDT7_SUBPROTOCOL) ? NDT7_SUBPROTOCOL : false),
  });
  let active = 0;

  app.addHook('preClose', (done) => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    done();
  });

  const upgrade = (test: 'download' | 'upload') => async (request: FastifyRequest, reply: FastifyReply) => {
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const isUpgrade = String(request.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!isUpgrade) {
      void reply
        .code(426)
        .header('upgrade', 'websocket')
        .send({
          code: ErrorCodes.PROTOCOL_UNEXPECTED,
          message: `${request.url} is an ndt7 WebSocket endpoint (subprotocol ${NDT7_SUBPROTOCOL})`,
        });
      return reply;
    }
    if (!offered.includes(NDT7_SUBPROTOCOL)) {
      void reply.code(400).send({
        code: ErrorCodes.PROTOCOL_VERSION,
        message: `WebSocket subprotocol ${NDT7_SUBPROTOCOL} required`,
      });
      return reply;
    }
    // Taken over from here: the socket is upgraded by our own ws server.
    void reply.hijack();
    const socket = request.raw.socket as Duplex;
    wss.handleUpgrade(request.raw, socket, upgradeHead(request.raw), (ws) => {
      if (active >= maxConcurrent) {
        ws.close(CLOSE_TRY_AGAIN_LATER, 'too many tests running');
        return;
      }
      active += 1;
      ws.once('close', () => {
        active -= 1;
      });
      const info = {
        Client: `${request.ip}:${request.raw.socket.remotePort ?? 0}`,
        Server: `${request.raw.socket.localAddress ?? ''}:${request.raw.socket.localPort ?? 0}`,
        UUID: request.id,
      };
      request.log.info({ test }, 'ndt7 test started');
      if (test === 'download') runDownload(ws, pool, durationMs, info);
      else runUpload(ws, durationMs, info);
    });
    return reply;
  };

  for (const [test, path] of Object.entries(Ndt7Paths) as ['download' | 'upload', string][]) {
    // The upgrade is handled in onRequest, before `@fastify/websocket`'s
    // route wrapper could hand it to the agent stream's ws server.
    // Open like the speed-test endpoints: any ndt7 client may measure.
    app.get(path, { config: { access: 'public' }, onRequest: upgrade(test) }, (_request, reply) =>
      reply.code(426).send(),
    );
  }
  return Promise.resolve();
};

/**
 * Bytes that arrived after the upgrade request's headers: `@fastify/websocket`
 * keeps them on the raw request under a private symbol; clients wait for
 * the 101 before sending, so this is nearly always empty.
 */
function upgradeHead(raw: object): Buffer {
  for (const symbol of Object.getOwnPropertySymbols(raw)) {
    if (symbol.description === 'ws-head') {
      const head = (raw as Record<symbol, unknown>)[symbol];
      if (Buffer.isBuffer(head)) return head;
    }
  }
  return Buffer.alloc(0);
}

function measurement(
  test: 'download' | 'upload',
  startedAt: number,
  bytes: number,
  info: Ndt7Measurement['ConnectionInfo'],
): string {
  const m: Ndt7Measurement = {
    // ElapsedTime is in microseconds (ndt7 spec, AppInfo).
    AppInfo: { ElapsedTime: Math.round((performance.now() - startedAt) * 1000), NumBytes: bytes },
    ConnectionInfo: info,
    Origin: 'server',
    Test: test,
  };
  return JSON.stringify(m);
}

/** Sends growing random messages until the duration is over, then closes normally. */
function runDownload(
  ws: WebSocket,
  pool: Buffer,
  durationMs: number,
  info: Ndt7Measurement['ConnectionInfo'],
): void {
  const startedAt = performance.now();
  let sent = 0;
  let size = INITIAL_MESSAGE_BYTES;
  let offset = 0;
  let inFlight = 0;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearInterval(ticker);
    clearTimeout(timer);
    if (ws.readyState === ws.OPEN) {
      ws.send(measurement('download', startedAt, sent, info));
      ws.close(CLOSE_NORMAL, 'test complete');
    }
  };
  const pump = (): void => {
    while (!done && inFlight < MAX_IN_FLIGHT_MESSAGES && ws.readyState === ws.OPEN) {
      if (size < NDT7_MAX_MESSAGE_BYTES && size * MESSAGE_SCALING_FRACTION <= sent) size *= 2;
      // Messages larger than the pool are filled by repeating it; 4 MiB of
      // random data still defeats any compressor on the path.
      const message = size <= pool.length ? slice(pool, offset, size) : Buffer.concat(repeat(pool, size));
      offset = (offset + size) % pool.length;
      inFlight += 1;
      ws.send(message, { binary: true }, (err) => {
        inFlight -= 1;
        if (err) return;
        sent += message.length;
        pump();
      });
    }
  };
  const ticker = setInterval(() => {
    if (ws.readyState === ws.OPEN) ws.send(measurement('download', startedAt, sent, info));
  }, MEASUREMENT_INTERVAL_MS);
  const timer = setTimeout(finish, durationMs);
  ws.on('close', () => {
    done = true;
    clearInterval(ticker);
    clearTimeout(timer);
  });
  ws.on('error', () => ws.terminate());
  pump();
}

/** Counts what the client sends, reports it every 250 ms, and ends the test after the duration. */
function runUpload(ws: WebSocket, durationMs: number, info: Ndt7Measurement['ConnectionInfo']): void {
  const startedAt = performance.now();
  let received = 0;
  ws.on('message', (data: RawData) => {
    received += Array.isArray(data)
      ? data.reduce((sum, b) => sum + b.length, 0)
      : data instanceof ArrayBuffer
        ? data.byteLength
        : data.length;
  });
  const ticker = setInterval(() => {
    if (ws.readyState === ws.OPEN) ws.send(measurement('upload', startedAt, received, info));
  }, MEASUREMENT_INTERVAL_MS);
  const timer = setTimeout(() => {
    clearInterval(ticker);
    if (ws.readyState === ws.OPEN) {
      ws.send(measurement('upload', startedAt, received, info));
      ws.close(CLOSE_NORMAL, 'test complete');
    }
  }, durationMs);
  ws.on('close', () => {
    clearInterval(ticker);
    clearTimeout(timer);
  });
  ws.on('error', () => ws.terminate());
}

/** `size` bytes of `pool` from `offset`, wrapping around. */
function slice(pool: Buffer, offset: number, size: number): Buffer {
  if (offset + size <= pool.length) return pool.subarray(offset, offset + size);
  return Buffer.concat([pool.subarray(offset), pool.subarray(0, size - (pool.length - offset))]);
}

function repeat(pool: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let left = size; left > 0; left -= pool.length)
    parts.push(pool.subarray(0, Math.min(left, pool.length)));
  return parts;
}
