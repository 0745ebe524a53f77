import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { missingComponent } from '../../../test/support/real-component.js';
import {
  SNMP_FRESH_MS,
  createProcCounterSource,
  loadVerdict,
  parseDefaultRouteInterface,
  parseProcNetDev,
  sampleTraffic,
  uplinkReading,
  type CounterSource,
} from './link-load.js';

const PROC_NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 1000000    1000    0    0    0     0          0         0  1000000    1000    0    0    0     0       0          0
  eth0: 52428800   40000    0    0    0     0          0         0  2621440    20000    0    0    0     0       0          0
`;

const PROC_NET_ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0
eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
`;

/** Counters that grow by a fixed amount per read. */
function fakeCounters(stepRx: number, stepTx = 0, iface = 'eth0'): CounterSource {
  let rx = 0;
  let tx = 0;
  return {
    read: () => {
      const now = { iface, rxBytes: rx, txBytes: tx };
      rx += stepRx;
      tx += stepTx;
      return Promise.resolve(now);
    },
  };
}

/** Linux's interface counters: a laptop on another system skips, CI must have them. */
const noProcNetDev = missingComponent(
  '/proc/net/dev',
  existsSync('/proc/net/dev'),
  'the busy-line check reads Linux interface counters',
);

describe('link load', () => {
  it('parses /proc/net/dev and the default route', () => {
    const dev = parseProcNetDev(PROC_NET_DEV);
    expect(dev.get('eth0')).toEqual({ rxBytes: 52_428_800, txBytes: 2_621_440 });
    expect(dev.get('lo')).toEqual({ rxBytes: 1_000_000, txBytes: 1_000_000 });
    expect(parseDefaultRouteInterface(PROC_NET_ROUTE)).toBe('eth0');
    expect(parseDefaultRouteInterface(PROC_NET_ROUTE.split('\n')[0] ?? '')).toBeUndefined();
  });

  it('turns a counter difference into the busier direction in Mbit/s', async () => {
    let clock = 0;
    const sample = await sampleTraffic(
      fakeCounters(2_500_000, 250_000),
      2000,
      (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      () => clock,
    );
    // 2.5 MB in 2 s = 10 Mbit/s down; 1 Mbit/s up.
    expect(sample).toEqual({ iface: 'eth0', rxBytes: 2_500_000, txBytes: 250_000, mbps: 10 });
  });

  it('gives nothing when the counters cannot be read or went backwards', async () => {
    const none: CounterSource = { read: () => Promise.resolve(undefined) };
    expect(await sampleTraffic(none, 10, () => Promise.resolve())).toBeUndefined();
    expect(await sampleTraffic(fakeCounters(-5), 10, () => Promise.resolve())).toBeUndefined();
  });

  it('takes the busier of the interface and a fresh SNMP uplink reading', () => {
    const now = new Date('2026-03-30T08:00:00Z');
    const snmp = uplinkReading({
      measurement: 'snmp_network',
      fields: { result: 'ok', uplink_in_bps: 45_000_000, uplink_out_bps: 3_000_000 },
      tags: {},
      at: new Date(now.getTime() - 60_000).toISOString(),
    });
    expect(snmp?.mbps).toBe(45);
    const sample = { iface: 'eth0', rxBytes: 0, txBytes: 0, mbps: 2 };
    expect(loadVerdict(sample, snmp, now, 20)).toEqual({
      busy: true,
      observedMbps: 45,
      source: 'snmp_uplink',
    });
    const stale = snmp && { ...snmp, at: new Date(now.getTime() - SNMP_FRESH_MS - 1) };
    expect(loadVerdict(sample, stale, now, 20)).toEqual({
      busy: false,
      observedMbps: 2,
      source: 'interface',
    });
    expect(loadVerdict(undefined, undefined, now, 20)).toEqual({ busy: false });
    expect(
      uplinkReading({
        measurement: 'snmp_network',
        fields: { result: 'skipped' },
        tags: {},
        at: now.toISOString(),
      }),
    ).toBeUndefined();
  });

  it.skipIf(noProcNetDev)(
    'sees traffic generated on the loopback interface in the real /proc/net/dev',
    async () => {
      const BYTES = 8 * 1024 * 1024;
      const server = createServer((socket) => {
        let got = 0;
        socket.on('data', (chunk: Buffer) => {
          got += chunk.length;
          if (got >= BYTES) socket.end();
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      const transfer = async (): Promise<void> => {
        const client = connect(port, '127.0.0.1');
        await once(client, 'connect');
        const chunk = Buffer.alloc(256 * 1024, 7);
        for (let sent = 0; sent < BYTES; sent += chunk.length) {
          if (!client.write(chunk)) await once(client, 'drain');
        }
        await once(client, 'end');
        client.destroy();
      };
      try {
        // The "window" is the transfer itself: the test measures bytes, not time.
        const sample = await sampleTraffic(createProcCounterSource({ iface: 'lo' }), 0, transfer);
        expect(sample?.iface).toBe('lo');
        expect(sample?.rxBytes).toBeGreaterThanOrEqual(BYTES);
        expect(sample?.txBytes).toBeGreaterThanOrEqual(BYTES);
        const verdict = loadVerdict(sample, undefined, new Date(), 0);
        expect(verdict).toMatchObject({ busy: true, source: 'interface' });
      } finally {
        server.close();
      }
    },
  );

  it('follows the default route to its interface in a proc directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-proc-'));
    try {
      mkdirSync(join(dir, 'net'));
      writeFileSync(join(dir, 'net', 'route'), PROC_NET_ROUTE);
      writeFileSync(join(dir, 'net', 'dev'), PROC_NET_DEV);
      expect(await createProcCounterSource({ procDir: dir }).read()).toEqual({
        iface: 'eth0',
        rxBytes: 52_428_800,
        txBytes: 2_621_440,
      });
      writeFileSync(join(dir, 'net', 'route'), PROC_NET_ROUTE.split('\n')[0] ?? '');
      expect(await createProcCounterSource({ procDir: dir }).read()).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
