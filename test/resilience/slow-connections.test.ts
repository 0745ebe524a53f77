/**
 * Slow and idle connections against a real collector process while a real
 * agent streams: slowloris headers, WebSockets that upgrade and never say
 * hello, plain idle sockets, and stalled readers of speed-test downloads
 * holding their address's share of slots. The agent's results are still
 * acknowledged meanwhile, the stalled readers are cut off and their slots
 * come back, and the idle WebSockets are closed by the hello timeout.
 */
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, SpeedPaths } from '@skolnet/shared';
import { CloseCodes } from '../../collector/src/ingest/agent-session.js';
import { adminTokenFromCli } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import {
  LOOPBACK_PROBES,
  RunningProcess,
  agentBin,
  collectorBin,
  producedCount,
} from '../support/processes.js';
import { commandWorks, missingComponent } from '../support/real-component.js';
import { SecretSearch } from '../support/secret-search.js';
import { report } from './report.js';

const skip = missingComponent(
  'ping',
  commandWorks('ping', ['-c', '1', '-W', '1', '127.0.0.1']),
  'apt-get install iputils-ping',
);

/** Attackers of each kind: enough to matter, within a test process's file descriptors. */
const SLOWLORIS = 1_000;
const IDLE_WEBSOCKETS = 500;
const IDLE_SOCKETS = 1_000;
/** The collector's default share of speed-test slots per address (speed.maxTransfersPerClient). */
const SLOTS_PER_ADDRESS = 16;

describe.skipIf(skip)('resilience: slow and idle connections', () => {
  let dir: string;
  let collector: RunningProcess | undefined;
  let agent: RunningProcess | undefined;
  let url = '';
  let port = 0;
  const sockets: Socket[] = [];
  const websockets: WebSocket[] = [];
  const timers: NodeJS.Timeout[] = [];
  const search = new SecretSearch();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-slow-'));
    const dataDir = join(dir, 'collector');
    collector = new RunningProcess('collector', [collectorBin, 'serve', '--port', '0', '--data', dataDir]);
    const m = await collector.waitFor(/listening on (http:\/\/127\.0\.0\.1:(\d+))/);
    url = m[1]!;
    port = Number(m[2]);
    const token = await adminTokenFromCli(['--data', dataDir]);
    search.secret('admin API token', token);
    const stateDir = join(dir, 'agent');
    const enrolled = await enrollAgent(url, token, stateDir);
    search.secret('enrollment code', enrolled.code).agentSecret(stateDir);
  });

  afterAll(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    for (const w of websockets) w.terminate();
    await agent?.stop('SIGKILL');
    await collector?.stop('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const open = (): Promise<Socket> =>
    new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      s.once('connect', () => resolve(s));
      s.once('error', reject);
      sockets.push(s);
    });

  const metric = async (pattern: RegExp): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const m = pattern.exec(text);
    return m === null ? 0 : Number(m[1]);
  };

  it('keeps acknowledging a real agent, and frees what slow and idle peers hold', async () => {
    // Slowloris: a request line, then one header line a second, never the end.
    for (let i = 0; i < SLOWLORIS; i += 1) {
      const s = await open();
      s.write(`GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n`);
      let n = 0;
      timers.push(setInterval(() => s.writable && s.write(`x-slow-${(n += 1)}: 1\r\n`), 1_000));
    }
    // Sockets that connect and say nothing.
    for (let i = 0; i < IDLE_SOCKETS; i += 1) await open();
    // WebSockets upgraded to the agent stream that never send hello.
    const wsUrl = `${url.replace('http', 'ws')}${AGENT_STREAM_PATH}`;
    const idleClosed: Promise<number>[] = [];
    for (let i = 0; i < IDLE_WEBSOCKETS; i += 1) {
      const ws = new WebSocket(wsUrl, PROTOCOL_NAME);
      ws.on('error', () => undefined);
      websockets.push(ws);
      idleClosed.push(new Promise((resolve) => ws.once('close', (code) => resolve(code))));
    }
    // Stalled readers: this address's whole share of speed-test slots, each
    // reading the first bytes and then nothing.
    const readers: Socket[] = [];
    for (let i = 0; i < SLOTS_PER_ADDRESS; i += 1) {
      const s = await open();
      s.write(`GET ${SpeedPaths.download}?bytes=1000000000 HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
      await new Promise<void>((resolve) => s.once('data', () => resolve()));
      s.pause();
      readers.push(s);
    }
    const refused = await fetch(`${url}${SpeedPaths.download}?bytes=10`);
    expect(refused.status).toBe(503);
    search.output('busy answer', await refused.text());

    // A real agent, meanwhile: its latency result is stored and acknowledged.
    agent = new RunningProcess('agent', [agentBin, 'run', '--state', join(dir, 'agent'), ...LOOPBACK_PROBES]);
    await agent.waitFor(/batch acked: \d+ sent, \d+ accepted/, 60_000);
    expect(producedCount(agent)).toBeGreaterThan(0);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    // The stalled readers are cut off (below the floor rate) and the slots come back.
    await expect
      .poll(
        () => metric(/^skolnet_http_slow_bodies_total\{kind="speed_download",violation="slow"\} (\d+)$/m),
        {
          timeout: 60_000,
          interval: 500,
        },
      )
      .toBe(SLOTS_PER_ADDRESS);
    const served = await fetch(`${url}${SpeedPaths.download}?bytes=1000`);
    expect(served.status).toBe(200);
    expect((await served.arrayBuffer()).byteLength).toBe(1_000);

    // The idle streams are closed by the collector: no hello in time.
    const codes = await Promise.all(idleClosed);
    expect(codes.filter((c) => c !== CloseCodes.helloTimeout)).toEqual([]);
    expect(collector!.child.exitCode).toBeNull();

    // No error-level line for any of it: these are expected refusals.
    expect(collector!.matching(/"level":(?:50|60)/)).toEqual([]);
    search.output('collector log', collector!.stdout + collector!.stderr);
    search.output('agent log', agent.stdout + agent.stderr);
    expect(search.findings()).toEqual([]);
    report({
      attack: 'slow and idle connections',
      held: true,
      figures: `${SLOWLORIS} slowloris, ${IDLE_SOCKETS} idle sockets, ${IDLE_WEBSOCKETS} idle WebSockets (all closed by the server), ${SLOTS_PER_ADDRESS} stalled readers cut off; agent acked meanwhile`,
    });
  });
});
