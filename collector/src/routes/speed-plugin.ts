import { randomBytes, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ErrorCodes, SkolnetError, SpeedPaths, type UploadReport } from '@skolnet/shared';

/**
 * Bytes per chunk pushed into a download stream: 64 KiB matches Node's
 * default stream buffer, so each push is one socket write.
 */
const DOWNLOAD_CHUNK_BYTES = 64 * 1024;

/**
 * A stream of `total` bytes cut from `pool`, starting at a random offset
 * and wrapping around. Chunks are views into the pool: no copying, so a
 * gigabyte costs no more memory than a megabyte.
 */
export function createRandomStream(pool: Buffer, total: number): Readable {
  let offset = pool.length > 0 ? randomInt(pool.length) : 0;
  let remaining = total;
  return new Readable({
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

interface DownloadQuery {
  bytes?: number;
}

/**
 * Speed-test endpoints agents measure against (`SpeedPaths`). They are
 * unauthenticated: `skolnet-agent assess` runs without enrollment. A cap
 * on concurrent transfers keeps the collector's own link usable.
 */
export const speedPlugin: FastifyPluginAsync = async (app) => {
  const { maxConcurrentTransfers, maxTransferBytes, defaultDownloadBytes, poolBytes } = app.config.speed;
  // Generated once per app: random bytes are incompressible, so neither a
  // proxy nor the transport can inflate the measured rate.
  const pool = randomBytes(poolBytes);
  // Responses holding a transfer slot; their count caps concurrency.
  let active = 0;
  // Connections that carried a transfer. On shutdown they are cut: a
  // gigabyte download to a slow (or stalled) client must not hold up a
  // restart, and a finished transfer may still sit in the socket's buffers.
  const sockets = new Set<Socket>();

  app.addHook('onRequest', async (request, reply) => {
    // Tracked before the cap check: a refused upload's body may still be arriving.
    const socket = request.raw.socket;
    if (!sockets.has(socket)) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    }
    if (active >= maxConcurrentTransfers) {
      throw new SkolnetError(
        ErrorCodes.API_BUSY,
        `too many speed tests running (${maxConcurrentTransfers}); retry later`,
        {
          retryable: true,
        },
      );
    }
    active += 1;
    // 'close' fires once the response is done or the connection drops,
    // whichever comes first, so aborted transfers free their slot too.
    reply.raw.once('close', () => {
      active -= 1;
    });
    return Promise.resolve();
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

  app.get<{ Querystring: DownloadQuery }>(
    SpeedPaths.download,
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { bytes: { type: 'integer', minimum: 0, maximum: maxTransferBytes } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const bytes = request.query.bytes ?? defaultDownloadBytes;
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

  app.post(SpeedPaths.upload, async (request, reply) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxTransferBytes) {
      throw tooLarge(reply, maxTransferBytes);
    }
    let bytes = 0;
    let firstByteAt: number | undefined;
    let lastByteAt = 0;
    for await (const chunk of request.raw as AsyncIterable<Buffer>) {
      lastByteAt = performance.now();
      firstByteAt ??= lastByteAt;
      bytes += chunk.length;
      if (bytes > maxTransferBytes) throw tooLarge(reply, maxTransferBytes);
    }
    const report: UploadReport = {
      bytes,
      duration_ms: firstByteAt === undefined ? 0 : lastByteAt - firstByteAt,
    };
    return report;
  });
  return Promise.resolve();
};

function tooLarge(reply: FastifyReply, max: number): SkolnetError {
  // The rest of the body is still in flight; closing the connection after
  // the answer is cheaper than draining up to a gigabyte.
  void reply.header('connection', 'close');
  return new SkolnetError(ErrorCodes.PROTOCOL_TOO_LARGE, `upload larger than ${max} bytes`);
}
