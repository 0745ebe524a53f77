import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import {
  AssessReport,
  ErrorCodes,
  PROTOCOL_NAME,
  SkolnetError,
  createValidator,
  type Batch,
  type Result,
} from '@skolnet/shared';
import { main, type CliDeps } from './cli.js';
import type { ProbeDefinition } from './probes/probe.js';
import { AgentState } from './state/agent-state.js';
import { SqliteOutbox } from './outbox/sqlite-outbox.js';
import { eventually } from '../../test/support/poll.js';

/** Waits for an assertion to hold; generous so a loaded CI machine does not fail it, fast when all is well. */

const SECRET = 'z'.repeat(40);

let namelessRuns = 0;

/** A probe that cannot run on this host, for the pause test. */
const nameless: ProbeDefinition = {
  description: 'a probe that cannot run on this host',
  needsCollector: false,
  defaultIntervalS: 60,
  create: () => ({
    gather: () => {
      namelessRuns += 1;
      return Promise.reject(new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, 'nothing to resolve here'));
    },
  }),
};

const registry: Record<string, ProbeDefinition> = {
  host: {
    description: 'facts about this host',
    needsCollector: false,
    defaultIntervalS: 3600,
    create: (ctx) => ({
      gather: (acc) => {
        ctx.progress?.('looking around');
        acc.add('host', { cpu_pct: 12.5, uptime_s: 100, os: 'linux' }, { hostname: 'lab-1' });
        return Promise.resolve();
      },
    }),
  },
  latency: {
    description: 'round-trip times',
    needsCollector: false,
    defaultIntervalS: 60,
    create: () => ({
      gather: () => Promise.reject(new Error('ping is not installed')),
    }),
  },
  throughput: {
    description: 'download and upload against the collector',
    needsCollector: true,
    defaultIntervalS: 3600,
    create: (ctx) => ({
      gather: (acc) => {
        acc.add(
          'throughput',
          { download_mbps: 93.456, bytes: 1000 },
          { collector: ctx.collectorUrl?.host ?? '' },
        );
        return Promise.resolve();
      },
    }),
  },
};

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], deps: CliDeps = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    {
      registry,
      createRunner: () => ({ run: () => Promise.reject(new Error('no commands in tests')) }),
      env: {},
      ...deps,
    },
  );
  return { code, stdout, stderr };
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function httpServer(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function closedPortUrl(): Promise<string> {
  const { server, url } = await httpServer(() => {});
  await new Promise<void>((r) => server.close(() => r()));
  return url;
}

const json = (res: ServerResponse, status: number, value: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
};

let dir: string;
const servers: Server[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skolnet-cli-'));
});
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('skolnet-agent arguments', () => {
  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('prints help listing the commands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['assess', 'enroll', 'run']) expect(r.stdout).toContain(cmd);
    const sub = await cli(['assess', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('throughput');
  });

  it.each([
    [[]],
    [['launch']],
    [['assess', '--bogus']],
    [['enroll', '--collector', 'http://x']],
    [['run', '--interval', 'latency']],
    [['run', '--interval', 'nope=5m']],
  ])('exits 2 on bad usage: %j', async (argv) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
    expect(r.stdout).toBe('');
  });
});

describe('skolnet-agent assess', () => {
  it('rejects an unknown probe, listing the valid ones', async () => {
    const r = await cli(['assess', '--only', 'latency,wifi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"wifi"');
    expect(r.stderr).toContain('host, latency, throughput');
    expect(r.stderr).toContain(ErrorCodes.CLI_BAD_ARGUMENT);
  });

  it('rejects a bad collector URL', async () => {
    const r = await cli(['assess', '--collector', 'ftp://example.org', '--only', 'throughput']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid collector URL "ftp:\/\/example\.org"/);
  });

  it('needs --collector for a probe that measures against it', async () => {
    const r = await cli(['assess', '--only', 'throughput']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--collector');
  });

  it('names the URL and the cause when the collector is unreachable', async () => {
    const url = await closedPortUrl();
    const r = await cli(['assess', '--collector', url, '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${url}/healthz`);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).toContain(ErrorCodes.NET_UNREACHABLE);
    expect(r.stdout).toBe('');
  });

  it('with --json prints exactly one report on stdout, failures included as results', async () => {
    const { server, url } = await httpServer((req, res) =>
      req.url === '/healthz' ? json(res, 200, { status: 'ok' }) : json(res, 404, {}),
    );
    servers.push(server);
    const r = await cli(['assess', '--collector', url, '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const report: unknown = JSON.parse(r.stdout);
    expect(createValidator(AssessReport).check(report).ok).toBe(true);
    const results = (report as AssessReport).results;
    expect(results.map((m) => m.measurement)).toEqual(['host', 'latency', 'throughput']);
    expect(results[1]).toMatchObject({
      measurement: 'latency',
      fields: { result: 'error', error: 'ping is not installed' },
    });
    expect(results[2]?.tags.collector).toBe(new URL(url).host);
    expect(r.stderr).toContain('[2/3] latency');
  });

  it('prints a readable table with units by default', async () => {
    const r = await cli(['assess', '--only', 'host,latency']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^MEASUREMENT\s+TAGS\s+FIELD\s+VALUE/);
    expect(r.stdout).toMatch(/host\s+hostname=lab-1\s+cpu_pct\s+12\.5 %/);
    expect(r.stdout).toMatch(/uptime_s\s+100 s/);
    expect(r.stdout).toMatch(/latency\s+result\s+error/);
    expect(r.stderr).toContain('[1/2] host');
    expect(r.stderr).toContain('looking around');
  });
});

describe('skolnet-agent enroll', () => {
  it('stores credentials and reports who it is', async () => {
    let request: unknown;
    const { server, url } = await httpServer((req, res, body) => {
      request = { method: req.method, url: req.url, body: JSON.parse(body) as unknown };
      json(res, 201, { agent_id: 'ag-7', school_id: 'sc-3', secret: SECRET });
    });
    servers.push(server);
    const r = await cli(['enroll', '--collector', url, '--code', 'ABCD-1234', '--state', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('enrolled as agent ag-7 for school sc-3\n');
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(request).toMatchObject({ method: 'POST', url: '/api/v1/enroll', body: { code: 'ABCD-1234' } });
    const state = new AgentState(dir);
    expect(state.readCredentials()).toMatchObject({ agent_id: 'ag-7', school_id: 'sc-3', secret: SECRET });
    expect(statSync(state.credentialsFile).mode & 0o777).toBe(0o600);
  });

  it('prints the collector refusal and exits 2', async () => {
    const { server, url } = await httpServer((_req, res) =>
      json(res, 400, { code: ErrorCodes.ENROLL_CODE_INVALID, message: 'enrollment code is unknown or used' }),
    );
    servers.push(server);
    const r = await cli(['enroll', '--collector', url, '--code', 'WXYZ-0000', '--state', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('enrollment code is unknown or used');
    expect(r.stderr).toContain(ErrorCodes.ENROLL_CODE_INVALID);
    expect(() => new AgentState(dir).readCredentials()).toThrow();
  });

  it('exits 2 when the collector is unreachable', async () => {
    const url = await closedPortUrl();
    const r = await cli(['enroll', '--collector', url, '--code', 'ABCD-1234', '--state', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot reach collector at ${url}/api/v1/enroll`);
  });
});

describe('skolnet-agent run', () => {
  it('explains how to enroll when there are no credentials', async () => {
    const r = await cli(['run', '--state', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not enrolled: run skolnet-agent enroll');
  });

  it('measures, streams to the collector and stops cleanly', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => PROTOCOL_NAME });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const received: Result[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as { type: string; agent_id?: string };
        if (msg.type === 'hello') {
          ws.send(
            JSON.stringify({
              type: 'welcome',
              agent_id: msg.agent_id,
              school_id: 'sc-3',
              server_time: new Date().toISOString(),
              max_batch_results: 500,
              max_message_bytes: 1024 * 1024,
            }),
          );
        } else if (msg.type === 'batch') {
          const batch = msg as Batch;
          received.push(...(batch.results as Result[]));
          ws.send(
            JSON.stringify({
              type: 'ack',
              batch_id: batch.batch_id,
              accepted: (batch.results as Result[]).map((r) => r.id),
              rejected: [],
            }),
          );
        }
      });
    });
    try {
      new AgentState(dir).writeCredentials({
        collector_url: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
        agent_id: 'ag-7',
        school_id: 'sc-3',
        secret: SECRET,
        enrolled_at: new Date().toISOString(),
      });
      const stop = new AbortController();
      let stderr = '';
      const running = main(
        ['run', '--state', dir, '--only', 'host,latency', '--initial-delay', '0s', '--interval', 'host=1h'],
        { stdout: () => {}, stderr: (t) => void (stderr += t) },
        {
          registry,
          env: {},
          stopSignal: stop.signal,
          createRunner: () => ({ run: () => Promise.reject(new Error('x')) }),
        },
      );
      await eventually(() => expect(received.length).toBeGreaterThanOrEqual(1));
      await eventually(() => expect(stderr).toContain('batch acked'));
      stop.abort();
      expect(await running).toBe(0);
      expect(received[0]).toMatchObject({ agent_id: 'ag-7', school_id: 'sc-3', measurement: 'host' });
      expect(stderr).toContain('probe host done');
      expect(stderr).toMatch(/probe latency failed.*ping is not installed/);
      expect(stderr).toContain('stopped');
      expect(stderr).not.toContain(SECRET);
      const outbox = new SqliteOutbox(join(dir, 'outbox.sqlite'));
      expect(outbox.depth()).toBe(0);
      outbox.close();
    } finally {
      await new Promise<void>((r) => wss.close(() => r()));
    }
  });
  it('pauses a probe that cannot run on this host instead of failing it every interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-cli-pause-'));
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const { port } = wss.address() as AddressInfo;
    try {
      new AgentState(dir).writeCredentials({
        collector_url: `http://127.0.0.1:${port}`,
        agent_id: 'ag-8',
        school_id: 'sc-3',
        secret: SECRET,
        enrolled_at: new Date().toISOString(),
      });
      namelessRuns = 0;
      const stop = new AbortController();
      let stderr = '';
      const running = main(
        ['run', '--state', dir, '--only', 'nameless', '--initial-delay', '0s', '--interval', 'nameless=1s'],
        { stdout: () => {}, stderr: (t) => void (stderr += t) },
        { registry: { ...registry, nameless }, env: {}, stopSignal: stop.signal },
      );
      await eventually(() =>
        expect(stderr).toMatch(/probe nameless cannot run here and is paused: nothing to resolve here/),
      );
      // Three intervals later it has still run only once.
      await new Promise((r) => setTimeout(r, 3000));
      stop.abort();
      expect(await running).toBe(0);
      expect(namelessRuns).toBe(1);
    } finally {
      await new Promise<void>((r) => wss.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
