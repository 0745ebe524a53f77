/**
 * Loopback ceiling of the throughput probe: `skolnet-agent assess` and the
 * collector as two processes on 127.0.0.1, beside iperf3 on the same
 * loopback in the same run, one stream and four. Loopback has no link
 * limit, so this measures what skolnet's own code can move: the figure
 * that must stay well above any school's line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningProcess, agentBin, collectorBin, runToEnd } from '../support/processes.js';
import { commandWorks } from '../support/real-component.js';
import { fmt, printTable } from './support.js';

/** Seconds per direction, for both tools: past TCP slow start many times over on loopback. */
const DURATION_S = 5;
const hasIperf = commandWorks('iperf3', ['--version']);

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  return port;
}

/** iperf3 Mbit/s at the receiver; `reverse` measures server→client (download). */
async function iperf(streams: number, reverse: boolean): Promise<number> {
  const port = await freePort();
  const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  try {
    // The server needs a moment to bind; retry the client until it connects.
    for (let attempt = 0; ; attempt++) {
      const args = [
        '-c',
        '127.0.0.1',
        '-p',
        String(port),
        '-t',
        String(DURATION_S),
        '-P',
        String(streams),
        '-J',
      ];
      if (reverse) args.push('-R');
      const out = await new Promise<string>((resolve) => {
        const c = spawn('iperf3', args);
        let text = '';
        c.stdout.on('data', (d: Buffer) => (text += d.toString()));
        c.on('exit', () => resolve(text));
      });
      const report = JSON.parse(out || '{}') as {
        end?: { sum_received?: { bits_per_second: number } };
        error?: string;
      };
      const bps = report.end?.sum_received?.bits_per_second;
      if (bps !== undefined) return bps / 1e6;
      if (attempt > 20) throw new Error(`iperf3 failed: ${report.error ?? out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    server.kill();
  }
}

describe.skipIf(!hasIperf)('throughput loopback ceiling (iperf3 missing: apt-get install iperf3)', () => {
  let dir: string;
  let collector: RunningProcess;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-bench-tp-'));
    collector = new RunningProcess('collector', [collectorBin, 'serve', '--port', '0', '--data', dir], {
      SKOLNET_LOG_LEVEL: 'warn',
    });
    url = (await collector.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  });

  afterAll(async () => {
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('skolnet agent→collector beside iperf3, 1 and 4 streams', async () => {
    const skolnet = async (streams: number): Promise<{ down: number; up: number }> => {
      const r = await runToEnd([
        agentBin,
        'assess',
        '--collector',
        url,
        '--only',
        'throughput',
        '--json',
        '--set',
        `throughput.streams=${streams}`,
        '--set',
        `throughput.duration_s=${DURATION_S}`,
        // No byte cap: the ceiling is what matters here.
        '--set',
        'throughput.max_bytes=16000000000',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const { results } = JSON.parse(r.stdout) as { results: { fields: Record<string, unknown> }[] };
      const f = results[0]!.fields;
      expect(f.result ?? 'success').toBe('success');
      return { down: Number(f.download_mbps), up: Number(f.upload_mbps) };
    };

    const rows: string[][] = [];
    for (const streams of [1, 4]) {
      const s = await skolnet(streams);
      const iDown = await iperf(streams, true);
      const iUp = await iperf(streams, false);
      rows.push([
        `${streams} stream${streams > 1 ? 's' : ''}`,
        fmt(s.down),
        fmt(iDown),
        fmt(s.down / iDown, 2),
        fmt(s.up),
        fmt(iUp),
        fmt(s.up / iUp, 2),
      ]);
    }
    printTable(
      `throughput on loopback, ${DURATION_S} s per direction, Mbit/s`,
      ['streams', 'skolnet down', 'iperf3 down', 'ratio', 'skolnet up', 'iperf3 up', 'ratio'],
      rows,
    );
  });
});
