import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCodes, uuidv7 } from '@skolnet/shared';
import { parseNdt7Query, type Ndt7ClientMetadata } from '../ndt7/ndt7-client-metadata.js';
import {
  formatNdt7Endpoint,
  NDT7_DURATION_MS,
  NDT7_HARD_LIMIT_MS,
  NDT7_MAX_MESSAGE_BYTES,
  NDT7_UPLOAD_END_MARGIN_MS,
  runNdt7Download,
  runNdt7Upload,
  type Ndt7ConnectionInfo,
  type Ndt7Outcome,
  type Ndt7SessionOptions,
} from '../ndt7/ndt7-session.js';

/** The ndt7 WebSocket subprotocol (ndt7 spec, "The WebSocket handshake"). */
export const NDT7_SUBPROTOCOL = 'net.measurementlab.ndt.v7';
/** ndt7 paths (ndt7 spec: `/ndt/v7/download`, `/ndt/v7/upload`). */
export const Ndt7Paths = { download: '/ndt/v7/download', upload: '/ndt/v7/upload' } as const;

/** Random bytes the download messages are cut from (4 MiB, cf. the speed endpoints' pool). */
const POOL_BYTES = 4 * 1024 * 1024;
/** Close code when the server is too busy: 1013 "try again later" (IANA WebSocket close codes). */
const CLOSE_TRY_AGAIN_LATER = 1013;

/** Options of {@link ndt7Plugin}. */
export interface Ndt7PluginOptions {
  /** Length of each test, in ms; default 10 000 (the spec's). Tests shorten it. */
  durationMs?: number;
  /** Most tests at once; default the speed endpoints' `maxConcurrentTransfers`. */
  maxConcurrent?: number;
  /** Longest a test may last from its handshake, in ms; default 13 000 (the spec's). Tests shorten it. */
  hardLimitMs?: number;
  /** Wall clock for `ConnectionInfo.StartTime`; default the collector's configured clock. */
  now?: () => Date;
  /** Monotonic clock in ms for elapsed times; default `performance.now`. */
  monotonicNow?: () => number;
}

/**
 * ndt7-compatible endpoints, so the M-Lab ndt7 clients (and the agent's
 * `ndt7` probe) measure against the ministry's own server exactly as they
 * would against M-Lab (ndt7 spec v0.11.0). Download: the server sends
 * random binary messages of growing size for the test duration, with a
 * JSON measurement text message every 250 ms. Upload: the server counts
 * what the client sends and answers with the same measurements, counted
 * at the receiver. TCPInfo and BBRInfo are optional in the spec and left
 * out: Node cannot read the kernel's TCP_INFO.
 *
 * Every test gets a UUID, sent in `ConnectionInfo` and logged with the
 * client's query-string metadata (sanitised and bounded) and the final
 * counts in one "ndt7 test complete" line: the spec asks servers to store
 * the metadata, and the UUID lets a client's result be found in the log.
 *
 * It runs its own `ws` server (subprotocol and the spec's 16 MiB message
 * limit differ from the agent stream's), and takes upgrades on its two
 * paths before `@fastify/websocket` would.
 */
export const ndt7Plugin: FastifyPluginAsync<Ndt7PluginOptions> = async (app, opts) => {
  const maxConcurrent = opts.maxConcurrent ?? app.config.speed.maxConcurrentTransfers;
  const now = opts.now ?? (() => app.config.now());
  const timing: Ndt7SessionOptions = {
    durationMs: opts.durationMs ?? NDT7_DURATION_MS,
    uploadEndMarginMs: NDT7_UPLOAD_END_MARGIN_MS,
    hardLimitMs: opts.hardLimitMs ?? NDT7_HARD_LIMIT_MS,
    monotonicNow: opts.monotonicNow ?? (() => performance.now()),
  };
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
    // The spec: the server MUST parse the query string and refuse (4xx)
    // one that is not parseable or not acceptable.
    const rawUrl = request.raw.url ?? '';
    const queryAt = rawUrl.indexOf('?');
    const query = parseNdt7Query(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
    if (!query.ok) {
      void reply.code(query.status).send({
        code: query.status === 414 ? ErrorCodes.PROTOCOL_TOO_LARGE : ErrorCodes.API_BAD_REQUEST,
        message: query.message,
      });
      return reply;
    }
    // Taken over from here: the socket is upgraded by our own ws server.
    void reply.hijack();
    const socket = request.raw.socket as Duplex;
    wss.handleUpgrade(request.raw, socket, upgradeHead(request.raw), (ws) => {
      try {
        startTest(ws, query);
      } catch (err) {
        // Never leave an upgraded socket open with nothing running on it.
        request.log.error({ err, ndt7: { test } }, 'ndt7 test could not start');
        ws.terminate();
      }
    });
    return reply;

    function startTest(ws: WebSocket, client: Ndt7ClientMetadata): void {
      if (active >= maxConcurrent) {
        ws.close(CLOSE_TRY_AGAIN_LATER, 'too many tests running');
        return;
      }
      active += 1;
      ws.once('close', () => {
        active -= 1;
      });
      // The four-tuple as the socket has it (not a proxy's forwarded
      // address: the spec asks for the connection's own endpoints).
      const raw = request.raw.socket;
      const info: Ndt7ConnectionInfo = {
        Client: formatNdt7Endpoint(raw.remoteAddress, raw.remotePort),
        Server: formatNdt7Endpoint(raw.localAddress, raw.localPort),
        UUID: uuidv7(),
        StartTime: now().toISOString(),
      };
      request.log.info({ ndt7: { test, uuid: info.UUID } }, 'ndt7 test started');
      const onDone = (outcome: Ndt7Outcome): void => {
        request.log.info(
          {
            ndt7: {
              test,
              uuid: info.UUID,
              start_time: info.StartTime,
              ...outcome,
              client_metadata: client.metadata,
              ...(client.dropped > 0 ? { client_metadata_dropped: client.dropped } : {}),
            },
          },
          'ndt7 test complete',
        );
      };
      if (test === 'download') runNdt7Download(ws, pool, info, timing, onDone);
      else runNdt7Upload(ws, info, timing, onDone);
    }
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
