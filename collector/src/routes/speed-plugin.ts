import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError, SpeedPaths, UploadReport } from '@skolnet/shared';
import { httpStatusFor, type ErrorBody } from '../plugins/error-handler.js';
import { guardDownload } from '../runtime/body-guard.js';
import { createLogLimiter } from '../runtime/log-limiter.js';

/**
 * Bytes per chunk pushed into a download stream: 256 KiB. Larger writes
 * mean fewer trips through the stream machinery per gigabit (the loopback
 * ceiling in test/bench/accuracy.bench.ts), and the kernel splits them
 * into segments anyway.
 */
const DOWNLOAD_CHUNK_BYTES = 256 * 1024;
/** Bytes a download stream may hold ahead of the socket: four chunks, so a write is always ready. */
const DOWNLOAD_HIGH_WATER_BYTES = 4 * DOWNLOAD_CHUNK_BYTES;

/**
 * A stream of `total` bytes cut from `pool`, starting at a random offset
 * and wrapping around. Chunks are views into the pool: no copying, so a
 * gigabyte costs no more memory than a megabyte.
 */
export function createRandomStream(pool: Buffer, total: number): Readable {
  let offset = pool.length > 0 ? randomInt(pool.length) : 0;
  let remaining = total;
  return new Readable({
    highWaterMark: DOWNLOAD_HIGH_WATER_BYTES,
    read(): void {
      while (remaining > 0) {
        const size = Math.min(DOWNLOAD_CHUNK_BYTES, remaining, pool.length - offset);
        const chunk = pool.subarray(offset, offset + size);
        remaining -= size;
        offset = (offset + size) % pool.length;
        if (!this.push(chunk)) return;
      }
      this.push(null);
    },
  });
}

/**
 * Step of the byte counts an upload reports in {@link UPLOAD_SERIES_HEADER},
 * in ms. The buckets sit on the collector's own wall-clock grid
 * (bucket i covers [i·step, (i+1)·step) ms since the epoch), so an agent
 * can add up parallel streams exactly and cut one warm-up for all of them.
 * 250 ms keeps a 90 s upload's header under 4 KiB.
 */
export const UPLOAD_SERIES_STEP_MS = 250;
/** Response header with the bytes received per {@link UPLOAD_SERIES_STEP_MS} bucket, comma-separated. */
export const UPLOAD_SERIES_HEADER = 'x-skolnet-series-bytes';
/** Response header with the grid index of the first bucket in {@link UPLOAD_SERIES_HEADER}. */
export const UPLOAD_SERIES_START_HEADER = 'x-skolnet-series-start';
/** Response header with the step of the series grid, in ms. */
export const UPLOAD_SERIES_STEP_HEADER = 'x-skolnet-series-step-ms';
/** Response headers with the first and last byte's arrival, in ms since the epoch on the collector's clock. */
export const UPLOAD_FIRST_BYTE_HEADER = 'x-skolnet-first-byte-ms';
export const UPLOAD_LAST_BYTE_HEADER = 'x-skolnet-last-byte-ms';
/** Response header with every byte received, warm-up included, when the report covers a window only. */
export const UPLOAD_TOTAL_HEADER = 'x-skolnet-total-bytes';
/** Response header saying the report covers the window after this many ms of warm-up. */
export const UPLOAD_WARMUP_HEADER = 'x-skolnet-warmup-ms';
/** Longest warm-up an upload may ask to leave out, in ms. */
const MAX_UPLOAD_WARMUP_MS = 60_000;

/**
 * Speed-test endpoints agents measure against (`SpeedPaths`). They are
 * unauthenticated: `skolnet-agent assess` runs without enrollment. A cap
 * on concurrent transfers keeps the collector's own link usable.
 */
export const speedPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const { maxConcurrentTransfers, maxTransfersPerClient, maxTransferBytes, defaultDownloadBytes, poolBytes } =
    app.config.speed;
  const downloadLimits = {
    minBytesPerSecond: app.config.speed.minDownloadBytesPerSecond,
    windowMs: app.config.speed.uploadRateWindowMs,
    deadlineMs: app.config.speed.maxDownloadMs,
  };
  // Slow readers are expected too: one warning a minute, counted in /metrics.
  const slowReaderLog = createLogLimiter();
  // Generated once per app: random bytes are incompressible, so neither a
  // proxy nor the transport can inflate the measured rate.
  const pool = randomBytes(poolBytes);
  // Responses holding a transfer slot; their count caps concurrency.
  let active = 0;
  // Slots held per client address, so one address cannot take them all.
  const perClient = new Map<string, number>();
  // A refusal is expected and anyone can provoke it: warn, no stack, at most once a minute.
  const busyLog = createLogLimiter();
  // Connections that carried a transfer. On shutdown they are cut: a
  // gigabyte download to a slow (or stalled) client must not hold up a
  // restart, and a finished transfer may still sit in the socket's buffers.
  const sockets = new Set<Socket>();

  app.addHook('onRequest', async (request, reply): Promise<FastifyReply | undefined> => {
    // Tracked before the cap check: a refused upload's body may still be arriving.
    const socket = request.raw.socket;
    if (!sockets.has(socket)) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    const client = request.ip;
    const held = perClient.get(client) ?? 0;
    const limit =
      active >= maxConcurrentTransfers ? 'total' : held >= maxTransfersPerClient ? 'client' : undefined;
    if (limit !== undefined) {
      app.metrics.http.speedBusy.inc({ limit });
      const logged = busyLog.take(limit);
      if (logged !== undefined) {
        request.log.warn(
          { code: ErrorCodes.API_BUSY, limit, active, suppressed: logged.suppressed },
          'speed test refused: busy',
        );
      }
      const body: ErrorBody = {
        code: ErrorCodes.API_BUSY,
        message:
          limit === 'total'
            ? `too many speed tests running (${maxConcurrentTransfers}); retry later`
            : `this address already runs ${maxTransfersPerClient} speed tests; retry when one ends`,
      };
      return reply.code(httpStatusFor(ErrorCodes.API_BUSY)).header('retry-after', '10').send(body);
    }
    active += 1;
    perClient.set(client, held + 1);
    // 'close' fires once the response is done or the connection drops,
    // whichever comes first, so aborted transfers free their slot too.
    reply.raw.once('close', () => {
      active -= 1;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
    return undefined;
  });

  app.addHook('preClose', (done) => {
    for (const socket of sockets) socket.destroy();
    done();
  });

  // Uploads arrive as raw streams of any type. Parsers are scoped to this
  // plugin, so the rest of the API keeps its JSON parser and body limit.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => {
    done(null);
  });

  app.get(
    SpeedPaths.download,
    {
      // Open as before: `skolnet-agent assess` measures without enrollment.
      config: { access: 'public' },
      schema: {
        querystring: Type.Object(
          { bytes: Type.Optional(Type.Integer({ minimum: 0, maximum: maxTransferBytes })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const bytes = request.query.bytes ?? defaultDownloadBytes;
      // A client that stops reading would hold its slot for as long as it
      // likes: below the floor rate or past the deadline its connection is
      // cut (mid-body, so no answer can say why), which frees the slot.
      guardDownload(reply.raw, downloadLimits, (violation, detail) => {
        app.metrics.http.slowBodies.inc({ kind: 'speed_download', violation });
        const logged = slowReaderLog.take(violation);
        if (logged !== undefined) {
          request.log.warn(
            { kind: 'speed_download', violation, suppressed: logged.suppressed, detail },
            'speed-test download read too slowly; connection closed',
          );
        }
        reply.raw.socket?.destroy();
      });
      return (
        reply
          .header('content-type', 'application/octet-stream')
          .header('content-length', bytes)
          // no-transform: a proxy must neither compress nor cache the test.
          .header('cache-control', 'no-store, no-transform')
          .send(createRandomStream(pool, bytes))
      );
    },
  );

  app.post(
    SpeedPaths.upload,
    {
      // A floor rate and a deadline of their own (app.ts): an upload that
      // trickles is ended and frees its slot.
      config: { access: 'public', bodyGuard: 'upload' },
      schema: {
        querystring: Type.Object(
          { warmup_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_UPLOAD_WARMUP_MS })) },
          { additionalProperties: false },
        ),
        response: { 200: UploadReport },
      },
    },
    async (request, reply) => {
      const declared = Number(request.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxTransferBytes) {
        throw tooLarge(reply, maxTransferBytes);
      }
      // With `warmup_ms` the report covers only the bytes after the warm-up
      // (TCP slow start, queues filling), counted here at the receiver; the
      // report's shape stays the same, so old agents keep working.
      const warmupMs = request.query.warmup_ms;
      let bytes = 0;
      let firstByteAt: number | undefined;
      let lastByteAt = 0;
      let windowFrom: { at: number; bytes: number } | undefined;
      const buckets: number[] = [];
      let seriesStart: number | undefined;
      // 'data' events rather than for-await: on a multi-gigabit path the
      // async iterator's promise per chunk costs a good part of the rate.
      const raw = request.raw;
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer): void => {
          lastByteAt = performance.now();
          firstByteAt ??= lastByteAt;
          bytes += chunk.length;
          if (warmupMs !== undefined && windowFrom === undefined && lastByteAt - firstByteAt >= warmupMs) {
            windowFrom = { at: lastByteAt, bytes };
          }
          const index = Math.floor((performance.timeOrigin + lastByteAt) / UPLOAD_SERIES_STEP_MS);
          seriesStart ??= index;
          const bucket = index - seriesStart;
          while (buckets.length <= bucket) buckets.push(0);
          buckets[bucket] = (buckets[bucket] ?? 0) + chunk.length;
          if (bytes > maxTransferBytes) {
            raw.off('data', onData);
            raw.pause();
            reject(tooLarge(reply, maxTransferBytes));
          }
        };
        raw.on('data', onData);
        raw.once('end', resolve);
        raw.once('error', reject);
        // A client that goes away mid-body ends neither with 'end' nor 'error'.
        // Expected (a client gone, or one cut off as too slow): a refusal, not a fault of ours.
        raw.once('close', () =>
          raw.readableEnded
            ? resolve()
            : reject(
                new SkolnetError(ErrorCodes.API_BAD_REQUEST, 'upload ended before its body was complete'),
              ),
        );
      });
      if (firstByteAt !== undefined && seriesStart !== undefined) {
        void reply
          .header(UPLOAD_SERIES_HEADER, buckets.join(','))
          .header(UPLOAD_SERIES_START_HEADER, String(seriesStart))
          .header(UPLOAD_SERIES_STEP_HEADER, String(UPLOAD_SERIES_STEP_MS))
          .header(UPLOAD_FIRST_BYTE_HEADER, (performance.timeOrigin + firstByteAt).toFixed(3))
          .header(UPLOAD_LAST_BYTE_HEADER, (performance.timeOrigin + lastByteAt).toFixed(3));
      }
      if (warmupMs !== undefined && windowFrom !== undefined && lastByteAt > windowFrom.at) {
        // The window opens at the first arrival past the warm-up, with what
        // had arrived by then (that chunk included) counted as warm-up.
        void reply.header(UPLOAD_TOTAL_HEADER, String(bytes)).header(UPLOAD_WARMUP_HEADER, String(warmupMs));
        const windowed: UploadReport = {
          bytes: bytes - windowFrom.bytes,
          duration_ms: lastByteAt - windowFrom.at,
        };
        return windowed;
      }
      const report: UploadReport = {
        bytes,
        duration_ms: firstByteAt === undefined ? 0 : lastByteAt - firstByteAt,
      };
      return report;
    },
  );
  return Promise.resolve();
};

function tooLarge(reply: FastifyReply, max: number): SkolnetError {
  // The rest of the body is still in flight; closing the connection after
  // the answer is cheaper than draining up to a gigabyte.
  void reply.header('connection', 'close');
  return new SkolnetError(ErrorCodes.PROTOCOL_TOO_LARGE, `upload larger than ${max} bytes`);
}
