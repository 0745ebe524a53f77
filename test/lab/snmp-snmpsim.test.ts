import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAccumulator, type AddedMeasurement } from '../../agent/src/probes/memory-accumulator.js';
import type { CommandRunner } from '../../agent/src/probes/probe.js';
import { resolveSnmpOptions } from '../../agent/src/probes/snmp/snmp-options.js';
import { SnmpProbe } from '../../agent/src/probes/snmp/snmp-probe.js';
import { commandWorks, missingComponent } from '../support/real-component.js';

const CASES = fileURLToPath(new URL('../../agent/src/probes/snmp/testcases/', import.meta.url));
// snmpsimd exits 255 even for --version, so look it up on PATH instead.
const skip = missingComponent(
  'snmpsim',
  commandWorks('sh', ['-c', 'command -v snmpsimd']),
  'apt-get install snmpsim',
);

const noRunner: CommandRunner = { run: () => Promise.reject(new Error('no command expected')) };

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

describe.skipIf(skip)('snmp probe against snmpsim serving recorded and written walks', () => {
  let child: ChildProcess | undefined;
  let dir = '';
  let port = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-snmpsim-'));
    const data = join(dir, 'data');
    const cache = join(dir, 'cache');
    for (const d of [data, cache]) mkdirSync(d);
    for (const f of readdirSync(CASES).filter((f) => f.endsWith('.snmprec')))
      copyFileSync(join(CASES, f), join(data, f));
    // snmpsimd drops root privileges; let the unprivileged user read and cache.
    for (const d of [dir, data, cache]) chmodSync(d, 0o777);
    port = await freeUdpPort();
    const asRoot = process.getuid?.() === 0;
    child = spawn(
      'snmpsimd',
      [
        `--data-dir=${data}`,
        `--cache-dir=${cache}`,
        `--agent-udpv4-endpoint=127.0.0.1:${port}`,
        ...(asRoot ? ['--process-user=nobody', '--process-group=nogroup'] : []),
      ],
      { stdio: 'ignore' },
    );
    // Wait until it answers (it indexes the files first).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const acc = await gatherFrom('linux-snmpd-recorded', { sample_interval_s: 0 });
      if (acc.some((m) => m.measurement === 'snmp_device' && m.fields.result === 'ok')) break;
      if (Date.now() > deadline) throw new Error('snmpsimd did not answer within 30 s');
      await new Promise((r) => setTimeout(r, 300));
    }
  }, 60_000);

  afterAll(() => {
    if (child?.pid && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  /** snmpsim picks the .snmprec file by community name. */
  async function gatherFrom(
    community: string,
    options: Record<string, unknown> = {},
  ): Promise<AddedMeasurement[]> {
    const probe = new SnmpProbe(
      { runner: noRunner, now: () => new Date() },
      resolveSnmpOptions({
        gateway: 'off',
        port,
        targets: ['127.0.0.1'],
        credentials: [{ version: '2c', community }],
        sample_interval_s: 0,
        discovery_timeout_ms: 500,
        ...options,
      }),
    );
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    return acc.measurements;
  }

  const device = (ms: AddedMeasurement[]): AddedMeasurement | undefined =>
    ms.find((m) => m.measurement === 'snmp_device');
  const interfaces = (ms: AddedMeasurement[]): AddedMeasurement[] =>
    ms.filter((m) => m.measurement === 'snmp_interface');

  it('reads the walk recorded from the real snmpd', async () => {
    const ms = await gatherFrom('linux-snmpd-recorded');
    expect(device(ms)?.fields).toMatchObject({
      result: 'ok',
      sys_name: 'school-gw',
      sys_location: 'Server room, Example school',
      vendor: 'net-snmp',
      os: 'Linux',
      role: 'router',
      if_count: 2,
    });
    expect(interfaces(ms).find((m) => m.tags.if_name === 'lan0')?.fields).toMatchObject({
      speed_mbps: 10000,
      is_uplink: true,
      uplink_reason: 'route',
    });
  });

  it('a 48-port Cisco switch: ENTITY-MIB model and serial, every port, APs on 100 Mbit/s ports, Counter64 near 2^64', async () => {
    const ms = await gatherFrom('cisco-c9200-48p', { max_repetitions: 10, sample_interval_s: 0.2 });
    expect(device(ms)?.fields).toMatchObject({
      result: 'ok',
      vendor: 'Cisco',
      os: 'IOS XE',
      role: 'switch',
      model: 'C9200L-48P-4X',
      serial: 'JAE2312345X',
      software_version: '17.03.04',
      if_count: 52,
    });
    const ifs = interfaces(ms);
    expect(ifs).toHaveLength(52);
    // ifHCInOctets of Gi1/0/1 is 2^64 - 616: read exactly as BigInt, it gives a delta of 0.
    expect(ifs.find((m) => m.tags.if_name === 'Gi1/0/1')?.fields).toMatchObject({
      speed_mbps: 100,
      if_alias: 'AP room 101',
      in_bps: 0,
      out_bps: 0,
    });
    expect(ifs.find((m) => m.tags.if_name === 'Te1/1/1')?.fields.speed_mbps).toBe(10000);
    const neighbors = ms.filter((m) => m.measurement === 'snmp_neighbor');
    expect(neighbors).toHaveLength(4);
    expect(neighbors.find((n) => n.tags.local_port === 'Gi1/0/2')).toMatchObject({
      tags: { remote: 'ap-room102' },
      fields: {
        remote_role: 'access_point',
        local_speed_mbps: 100,
        feeds_access_point: true,
        remote_port_desc: 'eth0',
      },
    });
    expect(neighbors.find((n) => n.tags.local_port === 'Te1/1/1')?.fields).toMatchObject({
      remote_sys_name: 'school-gw',
      remote_role: 'router',
      remote_chassis_id: '74:83:c2:00:00:01',
    });
    expect(ms.find((m) => m.measurement === 'snmp_network')?.fields).toMatchObject({
      ap_ports_100m_count: 3,
    });
  });

  it('a MikroTik without ENTITY-MIB: vendor fallbacks and the WAN found by ifAlias', async () => {
    const ms = await gatherFrom('mikrotik-hap-no-entity');
    expect(device(ms)?.fields).toMatchObject({
      vendor: 'MikroTik',
      os: 'RouterOS',
      role: 'router',
      model: 'RB952Ui-5ac2nD',
      serial: 'HEX0123ABCD',
      software_version: '6.49.10',
    });
    expect(interfaces(ms).find((m) => m.tags.if_name === 'ether1')?.fields).toMatchObject({
      is_uplink: true,
      uplink_reason: 'alias',
      speed_mbps: 100,
    });
    expect(ms.find((m) => m.measurement === 'snmp_network')?.fields).toMatchObject({
      uplink_if_name: 'ether1',
      uplink_speed_mbps: 100,
    });
  });

  it('a UniFi access point with its Wi-Fi generation', async () => {
    const ms = await gatherFrom('unifi-uap-ac-pro');
    expect(device(ms)?.fields).toMatchObject({
      vendor: 'Ubiquiti',
      os: 'UniFi',
      role: 'access_point',
      model: 'UAP-AC-Pro-Gen2',
      software_version: '6.5.28.14491',
      wifi_generation: 'wifi5',
    });
  });

  it('an unknown community is silence: a named host becomes a timeout result', async () => {
    const ms = await gatherFrom('no-such-device', { discovery_timeout_ms: 200, discovery_retries: 0 });
    expect(device(ms)?.fields).toMatchObject({ result: 'timeout' });
  });
});
