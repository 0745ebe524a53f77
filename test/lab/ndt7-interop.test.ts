/**
 * ndt7 interoperability: the published M-Lab client (`@m-lab/ndt7`, its
 * files served unmodified) in Debian's Chromium, headless, and the
 * agent's own `ndt7` probe, both against the collector's ndt7 endpoints
 * on loopback.
 *
 * The browser run checks what the ndt7 spec (m-lab/ndt-server
 * `spec/ndt7-protocol.md`, v0.11.0) and the client need: both directions
 * complete; every server measurement carries the same ConnectionInfo with
 * a UUID that names the test in the collector's log; the download's final
 * count agrees with what the client received; the upload's final server
 * measurement reaches the client (several uploads, since it used to be
 * lost in about a third of them); the client's metadata is logged.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import WebSocket from 'ws';
import { chromium as playwright, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import { MemoryAccumulator } from '../../agent/src/probes/memory-accumulator.js';
import { ndt7ProbeDefinition } from '../../agent/src/probes/ndt7/ndt7-probe-definition.js';
import { createCommandRunner } from '../../agent/src/system/command-runner.js';
import { findCommand, missingComponent } from '../support/real-component.js';

const require = createRequire(import.meta.url);
const clientDir = dirname(require.resolve('@m-lab/ndt7'));
/** The package's browser files, served as published. */
const CLIENT_FILES = ['ndt7.js', 'ndt7-download-worker.js', 'ndt7-upload-worker.js'];
const clientVersion = (require('@m-lab/ndt7/package.json') as { version: string }).version;
/** ndt7-js stops a test's worker 12 s after starting it, 2 s past the test's 10 s. */
const BROWSER_LAG_LIMIT_S = 2;
/** Uploads run in the browser: one in the full test, two more on their own. */
const EXTRA_UPLOADS = 2;

const chromium = findCommand(['chromium', 'chromium-browser', 'google-chrome']);
const skipBrowser = missingComponent('chromium', chromium !== undefined, 'apt-get install chromium');
/** Playwright wants the executable's path, not a command name. */
const chromiumPath = (process.env.PATH ?? '')
  .split(delimiter)
  .map((d) => join(d, chromium ?? ''))
  .find((p) => chromium !== undefined && existsSync(p));

/** The test page: runs ndt7.test() and then uploadTest() again, and keeps what the callbacks saw. */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>ndt7 interop</title>
<script src="/ndt7.js"></script>
<script>
  const collector = new URLSearchParams(location.search).get('collector');
  const config = {
    server: collector,
    protocol: 'ws',
    mlabDataPolicyInapplicable: true,
    metadata: { client_name: 'skolnet-interop-test', client_version: '1' },
  };
  const runs = [];
  // Each server measurement is kept with when this page got it, in s since
  // the test's start, to tell how far the browser ran behind the server.
  let startedAt = 0;
  const keep = (list, m) =>
    list[m.Source].push(m.Source === 'server' ? { ...m.Data, ReceivedAt: (performance.now() - startedAt) / 1000 } : m.Data);
  const callbacksFor = (run) => ({
    error: (e) => run.errors.push(String(e)),
    downloadStart: () => (startedAt = performance.now()),
    uploadStart: () => (startedAt = performance.now()),
    downloadMeasurement: (m) => keep(run.download, m),
    uploadMeasurement: (m) => keep(run.upload, m),
    downloadComplete: (d) => (run.download.complete = d),
    uploadComplete: (d) => (run.upload.complete = d),
  });
  const newRun = () => {
    const run = { errors: [], download: { server: [], client: [] }, upload: { server: [], client: [] } };
    runs.push(run);
    return run;
  };
  window.ndt7Runs = (async () => {
    const full = newRun();
    full.code = await ndt7.test(config, callbacksFor(full));
    for (let i = 0; i < ${EXTRA_UPLOADS}; i++) {
      const up = newRun();
      up.code = await ndt7.uploadTest(config, callbacksFor(up), ndt7.discoverServerURLs(config, {}));
    }
    return runs;
  })();
</script>`;

interface ServerMeasurement {
  AppInfo?: { ElapsedTime: number; NumBytes: number };
  ConnectionInfo?: { Client: string; Server: string; UUID?: string; StartTime?: string };
  /** Added by the page: when it got this measurement, in s since the test's start. */
  ReceivedAt?: number;
}
interface ClientMeasurement {
  ElapsedTime: number;
  NumBytes: number;
  MeanClientMbps: number;
}
interface Direction {
  server: ServerMeasurement[];
  client: ClientMeasurement[];
  complete?: { LastClientMeasurement?: ClientMeasurement; LastServerMeasurement?: ServerMeasurement };
}
interface BrowserRun {
  code: number;
  errors: string[];
  download: Direction;
  upload: Direction;
}
interface CompleteLine {
  msg: string;
  ndt7?: {
    test: string;
    uuid: string;
    end: string;
    num_bytes: number;
    elapsed_us: number;
    client_metadata: Record<string, string>;
  };
}

let dir: string;
let collector: RunningCollector;
const logs: CompleteLine[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skolnet-ndt7-'));
  collector = await startCollector({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    dashboardAssets: false,
    logger: { level: 'info', stream: { write: (line) => logs.push(JSON.parse(line) as CompleteLine) } },
  });
});

afterAll(async () => {
  await collector?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The collector's "ndt7 test complete" line for a test's UUID. */
function logged(uuid: string | undefined): CompleteLine['ndt7'] {
  return logs.find((l) => l.msg === 'ndt7 test complete' && l.ndt7?.uuid === uuid)?.ndt7;
}

/**
 * How far the page ran behind the server at the end, in s: the gap between
 * the last server measurement's ElapsedTime and when the page got it. A
 * starved browser (a loaded machine) takes messages in seconds late, which
 * no server can see: Chromium answers pings from its network process.
 */
function lagS(measurements: ServerMeasurement[]): number {
  const last = measurements.at(-1);
  return last ? (last.ReceivedAt ?? 0) - (last.AppInfo?.ElapsedTime ?? 0) / 1e6 : Infinity;
}

/** The one ConnectionInfo of a test: present and identical in every server measurement. */
function connectionInfo(measurements: ServerMeasurement[]): ServerMeasurement['ConnectionInfo'] {
  expect(measurements.length).toBeGreaterThan(10);
  const info = measurements[0]!.ConnectionInfo;
  // ndt7 spec v0.9.0 and later: servers MUST always include ConnectionInfo.
  for (const m of measurements) expect(m.ConnectionInfo).toEqual(info);
  for (const m of measurements) {
    expect(Object.keys(m).sort()).toEqual(['AppInfo', 'ConnectionInfo', 'ReceivedAt']);
  }
  expect(info?.UUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(info?.Client).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(info?.Server).toBe(new URL(collector.url).host);
  return info;
}

describe.skipIf(skipBrowser)('the published @m-lab/ndt7 client in headless Chromium', () => {
  let browser: Browser;
  let pages: Server;
  let runs: BrowserRun[];

  beforeAll(async () => {
    // The page and the client's files come from their own origin, as a
    // school's page embedding the client would; the collector is another.
    const files = new Map<string, Buffer>(
      await Promise.all(
        CLIENT_FILES.map(async (f) => [`/${f}`, await readFile(join(clientDir, f))] as const),
      ),
    );
    pages = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://page').pathname;
      const file = files.get(path);
      if (path === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      else if (file) res.writeHead(200, { 'content-type': 'text/javascript' }).end(file);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    browser = await playwright.launch({
      executablePath: chromiumPath!,
      // No sandbox: the test may run as root, where Chromium refuses it.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    const page = await browser.newPage();
    const { port } = pages.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/?collector=${new URL(collector.url).host}`);
    runs = (await page.evaluate(
      () => (globalThis as unknown as { ndt7Runs: Promise<unknown> }).ndt7Runs,
    )) as BrowserRun[];
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
  });

  it('completes the download and the upload', () => {
    const [full] = runs;
    expect(full!.errors).toEqual([]);
    // ndt7.test() returns 0 when both tests completed.
    expect(full!.code).toBe(0);
    expect(full!.download.complete?.LastClientMeasurement?.MeanClientMbps).toBeGreaterThan(10);
    expect(full!.upload.complete?.LastServerMeasurement?.AppInfo?.NumBytes).toBeGreaterThan(1_000_000);
  });

  it('gets one ConnectionInfo per test, whose UUID names the test in the log', () => {
    const [full] = runs;
    const down = connectionInfo(full!.download.server);
    const up = connectionInfo(full!.upload.server);
    expect(down!.UUID).not.toBe(up!.UUID);
    expect(logged(down!.UUID)?.test).toBe('download');
    expect(logged(up!.UUID)?.test).toBe('upload');
  });

  it("agrees with the client on the download's total", (ctx) => {
    const { download } = runs[0]!;
    const uuid = download.server[0]!.ConnectionInfo!.UUID;
    const final = logged(uuid);
    expect(final?.end).toBe('complete');
    const server = final!.num_bytes;
    const client = download.complete!.LastClientMeasurement!.NumBytes;
    // The client counts the server's JSON text messages too (ndt7-js adds
    // each message's length), so its total may exceed the server's final
    // binary count by exactly those; a byte more would be one the server
    // sent and never counted.
    const textChars = download.server.reduce(
      (sum, { ReceivedAt: _, ...m }) => sum + JSON.stringify(m).length,
      0,
    );
    expect(client).toBeLessThanOrEqual(server + textChars);
    // From here on the browser must have kept up: ndt7-js gives up 12 s
    // after it starts, so a page more than 2 s behind never takes in the
    // last bytes and the final measurement. That is the machine, not the
    // server (CI runs this beside the rest of the suite on two cores), so
    // it is skipped with the reason everywhere; the checks above still ran.
    const lag = lagS(download.server);
    if (lag > BROWSER_LAG_LIMIT_S) {
      const reason = `the browser ran ${lag.toFixed(1)} s behind the server (machine overloaded)`;
      console.warn(`skipping the download agreement: ${reason}`);
      ctx.skip();
    }
    // The client kept the final measurement, the one the collector logged.
    expect(download.complete!.LastServerMeasurement!.AppInfo).toEqual({
      ElapsedTime: final!.elapsed_us,
      NumBytes: server,
    });
    // ndt7-js reports its count at most every 250 ms, on a message's
    // arrival, so its last report may miss what came in the final 250 ms:
    // 2.5 % of a 10 s test at a steady rate, allowed twice over.
    expect(client).toBeGreaterThanOrEqual(server * 0.95);
  });

  it("receives the server's final upload measurement in every upload", () => {
    expect(runs).toHaveLength(1 + EXTRA_UPLOADS);
    for (const run of runs) {
      expect(run.errors).toEqual([]);
      const last = run.upload.complete?.LastServerMeasurement;
      const final = logged(last?.ConnectionInfo?.UUID);
      // The server ended the test itself, and its final measurement is the
      // one the client kept (the client keeps the last one it received).
      const behind = `the browser ran up to ${lagS(run.upload.server).toFixed(1)} s behind the server`;
      expect(final, behind).toMatchObject({
        end: 'complete',
        num_bytes: last?.AppInfo?.NumBytes,
        elapsed_us: last?.AppInfo?.ElapsedTime,
      });
    }
  });

  it("logs the client's metadata with each test", () => {
    const uuid = runs[0]!.download.server[0]!.ConnectionInfo!.UUID;
    expect(logged(uuid)?.client_metadata).toEqual({
      client_name: 'skolnet-interop-test',
      client_version: '1',
      client_library_name: 'ndt7-js',
      client_library_version: clientVersion,
    });
  });
});

describe('ndt7 endpoints of the collector', () => {
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
