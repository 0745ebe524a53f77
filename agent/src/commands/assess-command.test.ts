import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { main } from '../cli.js';
import type { ProbeDefinition } from '../probes/probe.js';

/** A URL on loopback where nothing listens: a port the OS handed out, then closed again. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

const ran: string[] = [];
/** Probes that only note that they ran: one that measures against the collector, one that does not. */
const registry: Record<string, ProbeDefinition> = Object.fromEntries(
  (['latency', 'throughput'] as const).map((name) => [
    name,
    {
      description: name,
      needsCollector: name === 'throughput',
      defaultIntervalS: 60,
      create: () => ({
        gather: (acc) => {
          ran.push(name);
          acc.add(name, { result: 'success' });
          return Promise.resolve();
        },
      }),
    } satisfies ProbeDefinition,
  ]),
);

describe('skolnet-agent assess with an unreachable collector', () => {
  // One rule whichever probes are chosen: a --collector that cannot be
  // reached is the user's to fix (exit 2), before anything is measured.
  it.each([['latency'], ['throughput'], ['latency,throughput']])('exits 2 with --only %s', async (only) => {
    ran.length = 0;
    const url = await closedPortUrl();
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['assess', '--collector', url, '--only', only, '--json'],
      { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) },
      { registry, env: {} },
    );
    expect(code).toBe(2);
    expect(err.join('')).toContain(`${url}/healthz`);
    expect(err.join('')).toContain(ErrorCodes.NET_UNREACHABLE);
    expect(out.join('')).toBe('');
    expect(ran).toEqual([]);
  });

  it('needs no collector when none is named and no probe measures against one', async () => {
    ran.length = 0;
    const out: string[] = [];
    const code = await main(
      ['assess', '--only', 'latency', '--json'],
      { stdout: (t) => void out.push(t), stderr: () => {} },
      { registry, env: {} },
    );
    expect(code).toBe(0);
    expect(ran).toEqual(['latency']);
    expect(JSON.parse(out.join(''))).toMatchObject({ results: [{ measurement: 'latency' }] });
  });
});
