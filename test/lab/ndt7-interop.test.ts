/**
 * ndt7 interoperability: the published M-Lab client (`@m-lab/ndt7`, run
 * unmodified) and the agent's own `ndt7` probe, both against the
 * collector's ndt7 endpoints on loopback. Sensible results: the tests
 * complete, bytes flow both ways, and the rates are positive and agree
 * with what the server counted.
 *
 * The published client is written for browsers: it starts Web Workers by
 * file name and uses the global WebSocket. A small same-thread Worker
 * stand-in runs the package's own worker files in a `vm` context with
 * `ws` as WebSocket; nothing of the client is changed.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import vm from 'node:vm';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import { MemoryAccumulator } from '../../agent/src/probes/memory-accumulator.js';
import { ndt7ProbeDefinition } from '../../agent/src/probes/ndt7/ndt7-probe-definition.js';
import { createCommandRunner } from '../../agent/src/system/command-runner.js';

const require = createRequire(import.meta.url);
const clientPath = require.resolve('@m-lab/ndt7');
const workerDir = dirname(clientPath);

/** A browser-style Worker that runs a worker script on this thread, in its own vm context. */
class SameThreadWorker {
  onmessage: ((ev: { data: unknown }) => void) | undefined;
  private readonly context: vm.Context;
  private readonly sockets: WebSocket[] = [];

  constructor(filename: string) {
    const self: { onmessage?: (ev: { data: unknown }) => void } = {};
    const sockets = this.sockets;
    // The browser WebSocket takes (url, protocol); ws's event handler
    // properties (onopen, onmessage with string or Buffer data) match.
    class BrowserWebSocket extends WebSocket {
      constructor(url: string, protocol: string) {
        super(url, protocol, { perMessageDeflate: false, maxPayload: 1 << 24 });
        sockets.push(this);
      }
    }
    this.context = vm.createContext({
      self,
      WebSocket: BrowserWebSocket,
      postMessage: (data: unknown) => queueMicrotask(() => this.onmessage?.({ data })),
      performance,
      setTimeout,
      clearTimeout,
      Uint8Array,
      JSON,
    });
    vm.runInContext(readFileSync(filename, 'utf8'), this.context, { filename });
  }

  postMessage(data: unknown): void {
    const self = this.context.self as { onmessage?: (ev: { data: unknown }) => void };
    self.onmessage?.({ data });
  }

  terminate(): void {
    for (const s of this.sockets) s.terminate();
  }
}

interface Ndt7Client {
  test(config: Record<string, unknown>, callbacks: Record<string, (data: unknown) => void>): Promise<number>;
}

let dir: string;
let collector: RunningCollector;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skolnet-ndt7-'));
  collector = await startCollector({ port: 0, dataDir: dir, quiet: true, dashboardAssets: false });
});

afterAll(async () => {
  await collector?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('ndt7 endpoints of the collector', () => {
  it('pass the published @m-lab/ndt7 client', async () => {
    (globalThis as { Worker?: unknown }).Worker = SameThreadWorker;
    const ndt7 = require(clientPath) as Ndt7Client;
    const events: {
      download?: Record<string, unknown>;
      upload?: Record<string, unknown>;
      errors: unknown[];
    } = {
      errors: [],
    };
    const serverMeasurements: { test: string; data: { AppInfo?: { NumBytes: number } } }[] = [];
    const code = await ndt7.test(
      {
        server: new URL(collector.url).host,
        protocol: 'ws',
        mlabDataPolicyInapplicable: true,
        downloadworkerfile: join(workerDir, 'ndt7-download-worker.js'),
        uploadworkerfile: join(workerDir, 'ndt7-upload-worker.js'),
      },
      {
        error: (e) => events.errors.push(e),
        downloadMeasurement: (m) => {
          const { Source, Data } = m as { Source: string; Data: { AppInfo?: { NumBytes: number } } };
          if (Source === 'server') serverMeasurements.push({ test: 'download', data: Data });
        },
        uploadMeasurement: (m) => {
          const { Source, Data } = m as { Source: string; Data: { AppInfo?: { NumBytes: number } } };
          if (Source === 'server') serverMeasurements.push({ test: 'upload', data: Data });
        },
        downloadComplete: (d) => (events.download = d as Record<string, unknown>),
        uploadComplete: (d) => (events.upload = d as Record<string, unknown>),
      },
    );
    expect(events.errors).toEqual([]);
    // The client's return code: 0 when both tests completed.
    expect(code).toBe(0);
    const down = events.download?.LastClientMeasurement as { MeanClientMbps: number; NumBytes: number };
    expect(down.NumBytes).toBeGreaterThan(1_000_000);
    expect(down.MeanClientMbps).toBeGreaterThan(10);
    const upServer = events.upload?.LastServerMeasurement as {
      AppInfo: { NumBytes: number; ElapsedTime: number };
    };
    expect(upServer.AppInfo.NumBytes).toBeGreaterThan(1_000_000);
    // ElapsedTime is in microseconds: about 10 s.
    expect(upServer.AppInfo.ElapsedTime).toBeGreaterThan(5e6);
    expect(serverMeasurements.filter((m) => m.test === 'download').length).toBeGreaterThan(10);
  }, 60_000);

  it('measure the same as the agent probe sees it', async () => {
    const probe = ndt7ProbeDefinition.create(
      { runner: createCommandRunner(), now: () => new Date(), collectorUrl: new URL(collector.url) },
      { duration_s: 3 },
    );
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    expect(acc.measurements).toHaveLength(1);
    const f = acc.measurements[0]!.fields;
    expect(f).toMatchObject({ result: 'success' });
    expect(f.download_mbps).toBeGreaterThan(10);
    expect(f.upload_mbps).toBeGreaterThan(10);
    // The server ends the download after its 10 s; the upload after the probe's 3 s.
    expect(f.download_duration_s).toBeGreaterThan(8);
    expect(f.upload_duration_s).toBeGreaterThan(2);
  }, 60_000);

  it('refuses a plain request and a wrong subprotocol', async () => {
    const plain = await fetch(`${collector.url}/ndt/v7/download`);
    expect(plain.status).toBe(426);
    const ws = new WebSocket(`${collector.url.replace('http', 'ws')}/ndt/v7/download`, 'skolnet.v1');
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
    });
    // A refused handshake also emits 'error'; it is the expected outcome here.
    ws.on('error', () => undefined);
    ws.terminate();
    expect(status).toBe(400);
  });
});
