/**
 * A fast stream outruns one request's byte limit: the agent must ask
 * again on the same connection and add the parts up exactly, against the
 * real collector's speed endpoints (upload reports on the collector's
 * grid). `requestBytes` shrinks the per-request limit so a few MiB show
 * what a 10 Gbit/s loopback does with the 1 GiB limit.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpeedPaths } from '@skolnet/shared';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import {
  measureDownload,
  measureUpload,
  type TransferSettings,
} from '../../agent/src/probes/common/speed-client.js';

const MiB = 1024 * 1024;

let dir: string;
let collector: RunningCollector;
const requests: { method: string; path: string; port: number }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skolnet-speed-'));
  collector = await startCollector({ port: 0, dataDir: dir, quiet: true, dashboardAssets: false });
  collector.app.server.on('request', (req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({ method: req.method ?? '', path: url.pathname, port: req.socket.remotePort ?? 0 });
  });
});

afterAll(async () => {
  await collector.close();
  await rm(dir, { recursive: true, force: true });
});

const settings = (over: Partial<TransferSettings>): TransferSettings => ({
  streams: 2,
  // Long enough that the byte cap, not the clock, ends each direction.
  durationS: 30,
  warmupS: 0,
  maxBytes: 20 * MiB,
  timeoutS: 10,
  requestBytes: 3 * MiB,
  ...over,
});

describe('speed test requests beyond the per-request limit', () => {
  it('download asks again on the same connections and counts every byte once', async () => {
    requests.length = 0;
    const r = await measureDownload(new URL(collector.url), settings({}), new AbortController().signal);
    expect(r.error).toBeUndefined();
    expect(r.bytes).toBe(20 * MiB);
    const gets = requests.filter((q) => q.method === 'GET' && q.path === SpeedPaths.download);
    // 10 MiB per stream in 3 MiB requests: 4 requests each.
    expect(gets).toHaveLength(8);
    // Keep-alive: the follow-up requests reuse the streams' two connections.
    expect(new Set(gets.map((q) => q.port)).size).toBe(2);
  });

  it('upload posts again and the collector-counted parts add up to everything sent', async () => {
    requests.length = 0;
    const r = await measureUpload(new URL(collector.url), settings({}), new AbortController().signal);
    expect(r.error).toBeUndefined();
    const posts = requests.filter((q) => q.method === 'POST' && q.path === SpeedPaths.upload);
    expect(posts).toHaveLength(8);
    expect(new Set(posts.map((q) => q.port)).size).toBe(2);
    // Counted by the collector, summed over all eight reports on its grid.
    expect(r.bytes).toBe(20 * MiB);
    // The window starts on the collector's grid, so it holds at most all of it.
    expect(r.window_bytes).toBeGreaterThan(0);
    expect(r.window_bytes).toBeLessThanOrEqual(r.bytes);
  });

  it('a share smaller than the limit still takes one request per stream', async () => {
    requests.length = 0;
    const r = await measureDownload(
      new URL(collector.url),
      settings({ requestBytes: 64 * MiB }),
      new AbortController().signal,
    );
    expect(r.bytes).toBe(20 * MiB);
    expect(requests.filter((q) => q.path === SpeedPaths.download)).toHaveLength(2);
  });
});
