import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createCommandRunner } from '../../system/command-runner.js';
import { MemoryAccumulator } from '../memory-accumulator.js';
import { httpProbeDefinition } from './http-probe-definition.js';
import { tcpConnectTime } from '../common/tcp-connect.js';

const ctx = (collector?: string) => ({
  runner: createCommandRunner(),
  now: () => new Date('2026-03-02T09:00:00Z'),
  ...(collector ? { collectorUrl: new URL(collector) } : {}),
});

describe('HttpProbe', () => {
  it("times connect and first byte to the collector's /healthz on fresh connections", async () => {
    const paths: string[] = [];
    let connections = 0;
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      // The answer waits 30 ms, so time to first byte must include it.
      setTimeout(() => res.end('ok'), 30);
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const acc = new MemoryAccumulator();
      await httpProbeDefinition
        .create(ctx(`http://127.0.0.1:${port}`), { count: 3 })
        .gather(acc, new AbortController().signal);
      expect(paths).toEqual(['/healthz', '/healthz', '/healthz']);
      expect(connections).toBe(3);
      const f = acc.measurements[0]!.fields;
      expect(f).toMatchObject({ result: 'success', status_code: 200, fetches: 3, failed: 0 });
      expect(f.ttfb_ms).toBeGreaterThanOrEqual(29);
      expect(f.tcp_connect_ms).toBeLessThan(f.ttfb_ms as number);
    } finally {
      server.close();
    }
  });

  it('reports a target that refuses as an error result', async () => {
    const acc = new MemoryAccumulator();
    await httpProbeDefinition
      .create(ctx(), { url: 'http://127.0.0.1:9/', count: 1 })
      .gather(acc, new AbortController().signal);
    expect(acc.measurements[0]?.fields).toMatchObject({ result: 'error', fetches: 1 });
    expect(String(acc.measurements[0]?.fields.error)).toContain('ECONNREFUSED');
  });
});

describe('tcpConnectTime', () => {
  it('counts a refusal as an answer, since a RST takes one round trip too', async () => {
    const r = await tcpConnectTime('127.0.0.1', 9, 1000);
    expect(r).toMatchObject({ ok: true, refused: true });
  });
});
