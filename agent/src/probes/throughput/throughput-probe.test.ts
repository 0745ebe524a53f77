import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ErrorCodes,
  SpeedPaths,
  bytesToMbps,
  isSkolnetError,
  round,
  type UploadReport,
} from '@skolnet/shared';
import { createCommandRunner } from '../../system/command-runner.js';
import { MemoryAccumulator } from '../memory-accumulator.js';
import { defaultOptions } from '../options.js';
import type { ProbeContext } from '../probe.js';
import { throughputOptionSpecs, type ThroughputOptions } from './throughput-options.js';
import { throughputProbeDefinition } from './throughput-probe-definition.js';
import { ThroughputProbe } from './throughput-probe.js';

/** How the stand-in collector misbehaves, if at all. */
interface ServerMode {
  /** Send or accept at most one 16 KiB chunk per 10 ms per connection, so a test can outlast its deadline. */
  slow?: boolean;
  /** Destroy the connection after this many download bytes served on it. */
  dieDownloadAfter?: number;
  /** Destroy the connection after this many upload bytes received on it. */
  dieUploadAfter?: number;
  /** Answer uploads with this instead of a report. */
  badReport?: string;
  /** Answer every request with this status and no data. */
  status?: number;
}

/**
 * A stand-in for the collector's two speed endpoints, exactly as
 * shared/src/api.ts describes them, that counts what it really served and
 * received. The real collector's end-to-end test lives in test/e2e.
 */
async function startSpeedServer(mode: ServerMode = {}) {
  const pool = randomBytes(1024 * 1024);
  const stats = { served: 0, received: 0, reports: [] as UploadReport[], open: 0 };
  const sockets = new Set<Socket>();

  const download = (url: URL, res: ServerResponse): void => {
    const total = Number(url.searchParams.get('bytes'));
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        if (mode.dieDownloadAfter !== undefined && sent >= mode.dieDownloadAfter) {
          res.socket?.destroy();
          return;
        }
        const size = Math.min(mode.slow ? 16 * 1024 : 64 * 1024, total - sent);
        const offset = sent % (pool.length - size);
        sent += size;
        stats.served += size;
        const more = res.write(pool.subarray(offset, offset + size));
        if (mode.slow) {
          setTimeout(pump, 10);
          return;
        }
        if (!more) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  };

  const upload = (req: IncomingMessage, res: ServerResponse): void => {
    let bytes = 0;
    let firstAt: number | undefined;
    req.on('data', (chunk: Buffer) => {
      firstAt ??= performance.now();
      bytes += chunk.length;
      stats.received += chunk.length;
      if (mode.dieUploadAfter !== undefined && bytes >= mode.dieUploadAfter) req.socket.destroy();
      if (mode.slow) {
        req.pause();
        setTimeout(() => req.resume(), 10);
      }
    });
    req.on('end', () => {
      const report = { bytes, duration_ms: firstAt === undefined ? 0 : performance.now() - firstAt };
      stats.reports.push(report);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(mode.badReport ?? JSON.stringify(report));
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (mode.status !== undefined) {
      req.resume();
      res.writeHead(mode.status).end();
    } else if (req.method === 'GET' && url.pathname === SpeedPaths.download) {
      download(url, res);
    } else if (req.method === 'POST' && url.pathname === SpeedPaths.upload) {
      upload(req, res);
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    stats.open += 1;
    socket.on('close', () => {
      sockets.delete(socket);
      stats.open -= 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});
async function serve(mode?: ServerMode) {
  const server = await startSpeedServer(mode);
  closers.push(server.close);
  return server;
}

const options = (over: Partial<ThroughputOptions> = {}): ThroughputOptions => ({
  ...defaultOptions(throughputOptionSpecs),
  ...over,
});
const ctxFor = (collectorUrl: URL | undefined, progress?: (m: string) => void): ProbeContext => ({
  runner: createCommandRunner(),
  now: () => new Date('2026-03-02T09:00:00Z'),
  ...(collectorUrl ? { collectorUrl } : {}),
  ...(progress ? { progress } : {}),
});
const signal = (): AbortSignal => new AbortController().signal;

async function measure(
  url: URL | undefined,
  over: Partial<ThroughputOptions>,
  progress?: (m: string) => void,
) {
  const acc = new MemoryAccumulator();
  await new ThroughputProbe(ctxFor(url, progress), options(over)).gather(acc, signal());
  expect(acc.measurements).toHaveLength(1);
  const m = acc.measurements[0]!;
  expect(m.measurement).toBe('throughput');
  return m;
}

describe('ThroughputProbe', () => {
  it('counts exactly what was served and received when the byte cap ends the test', async () => {
    const server = await serve();
    // A long duration and a small cap: each direction ends on the cap, so every byte is accounted for.
    const m = await measure(server.url, { streams: 4, duration_s: 60, max_bytes: 4_000_000 });
    expect(m.tags).toEqual({ target: '127.0.0.1' });
    expect(m.fields).toMatchObject({ result: 'success', streams: 4, duration_s: 60 });
    expect(m.fields.bytes_down).toBe(4_000_000);
    expect(server.stats.served).toBe(4_000_000);
    expect(m.fields.bytes_up).toBe(4_000_000);
    expect(server.stats.received).toBe(4_000_000);

    // Upload figures come from the receiver's reports, not from what the agent wrote.
    expect(server.stats.reports).toHaveLength(4);
    const longest = Math.max(...server.stats.reports.map((r) => r.duration_ms));
    expect(m.fields.upload_mbps).toBe(round(bytesToMbps(4_000_000, longest / 1000)));
    expect(m.fields.download_mbps as number).toBeGreaterThan(0);
  });

  it('stops each direction at the deadline and reports server-counted upload bytes', async () => {
    const server = await serve({ slow: true });
    const progress: string[] = [];
    const m = await measure(
      server.url,
      { streams: 2, duration_s: 0.5, warmup_s: 2, max_bytes: 100_000_000 },
      (p) => progress.push(p),
    );
    expect(m.fields.result).toBe('success');
    // The window after the warm-up is what the rate covers; the series spans the whole transfer.
    expect(m.fields.download_bytes as number).toBeLessThan(m.fields.bytes_down as number);
    expect(m.fields.download_warmup_s as number).toBeGreaterThanOrEqual(2);
    expect(String(m.fields.download_series_mbps).split(',').length).toBeGreaterThanOrEqual(2);
    // Latency under load was sampled in both directions.
    expect(m.fields.rtt_loaded_ms).toBeGreaterThan(0);
    expect(m.fields.upload_rtt_loaded_ms).toBeGreaterThan(0);
    // The slow server could never deliver the cap in time, so the deadline ended both directions.
    const down = m.fields.bytes_down as number;
    expect(down).toBeGreaterThan(0);
    expect(down).toBeLessThan(100_000_000);
    expect(down).toBeLessThanOrEqual(server.stats.served);
    const up = m.fields.bytes_up as number;
    expect(up).toBe(server.stats.reports.reduce((s, r) => s + r.bytes, 0));
    expect(up).toBeGreaterThan(0);
    expect(up).toBeLessThan(100_000_000);
    expect(progress).toEqual(
      expect.arrayContaining([
        'throughput: download, 2 streams, 2 s warm-up + 0.5 s',
        'throughput: upload, 2 streams, 2 s warm-up + 0.5 s',
      ]),
    );
    // No connection outlives the test.
    await vi.waitFor(() => expect(server.stats.open).toBe(0));
  });

  it('reports a collector that dies during download as an error result', async () => {
    const server = await serve({ dieDownloadAfter: 256 * 1024 });
    const m = await measure(server.url, { streams: 2, duration_s: 30, max_bytes: 50_000_000 });
    expect(m.fields.result).toBe('error');
    expect(String(m.fields.error)).toMatch(/^download: /);
    expect(m.fields).not.toHaveProperty('download_mbps');
    expect(m.fields).not.toHaveProperty('upload_mbps');
  });

  it('reports a collector that dies during upload as an error result', async () => {
    const server = await serve({ dieUploadAfter: 256 * 1024 });
    const m = await measure(server.url, { streams: 2, duration_s: 30, max_bytes: 4_000_000 });
    expect(m.fields).toMatchObject({ result: 'error', bytes_down: 4_000_000 });
    expect(String(m.fields.error)).toMatch(/^upload: /);
    expect(m.fields).not.toHaveProperty('upload_mbps');
  });

  it('reports an unreachable collector as an error result', async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    const m = await measure(url, { duration_s: 1 });
    expect(m.fields.result).toBe('error');
    expect(String(m.fields.error)).toContain('ECONNREFUSED');
  });

  it.each([
    [{ status: 503 }, /^download: collector answered HTTP 503$/],
    [{ badReport: '{"bytes":"lots"}' }, /^upload: collector sent a malformed upload report/],
    [{ badReport: 'thanks' }, /^upload: collector sent an upload report that is not JSON$/],
  ] as const)('reports a collector answering %j as an error result', async (mode, message) => {
    const server = await serve(mode);
    const m = await measure(server.url, { streams: 1, duration_s: 30, max_bytes: 1_000_000 });
    expect(m.fields.result).toBe('error');
    expect(String(m.fields.error)).toMatch(message);
  });

  it('stops promptly and rejects with the reason when aborted', async () => {
    const server = await serve({ slow: true });
    const controller = new AbortController();
    const reason = new Error('agent stopping');
    const acc = new MemoryAccumulator();
    const pending = new ThroughputProbe(ctxFor(server.url), options({ streams: 2, duration_s: 60 })).gather(
      acc,
      controller.signal,
    );
    await vi.waitFor(() => expect(server.stats.served).toBeGreaterThan(0));
    controller.abort(reason);
    // 60 s of test must not run out: the test's own time limit would fail it.
    await expect(pending).rejects.toBe(reason);
    expect(acc.measurements).toEqual([]);
    await vi.waitFor(() => expect(server.stats.open).toBe(0));
  });

  it('cannot run without a collector', async () => {
    const err: unknown = await new ThroughputProbe(ctxFor(undefined), options())
      .gather(new MemoryAccumulator(), signal())
      .catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_UNAVAILABLE)).toBe(true);
    expect(isSkolnetError(err) && err.retryable).toBe(false);
  });

  it('is registered as needing the collector and validates its options', () => {
    expect(throughputProbeDefinition.needsCollector).toBe(true);
    expect(() => throughputProbeDefinition.create(ctxFor(undefined), { streams: 0 })).toThrow(
      /probes\.throughput\.streams/,
    );
  });
});
