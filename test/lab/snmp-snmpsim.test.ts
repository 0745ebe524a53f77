import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddedMeasurement } from '../../agent/src/probes/memory-accumulator.js';
import { snmpsimMissing, startSnmpsim, type Snmpsim } from './snmpsim.js';

const CASES = fileURLToPath(new URL('../../agent/src/probes/snmp/testcases/', import.meta.url));
const skip = snmpsimMissing();

describe.skipIf(skip)('snmp probe against snmpsim serving a recorded walk and synthetic ones', () => {
  let sim: Snmpsim | undefined;

  beforeAll(async () => {
    sim = await startSnmpsim(CASES, 'recorded-linux-snmpd');
  }, 60_000);

  afterAll(() => sim?.stop());

  /** snmpsim picks the .snmprec file by community name. */
  async function gatherFrom(
    community: string,
    options: Record<string, unknown> = {},
  ): Promise<AddedMeasurement[]> {
    if (!sim) throw new Error('snmpsim did not start');
    return sim.gather(community, options);
  }

  const device = (ms: AddedMeasurement[]): AddedMeasurement | undefined =>
    ms.find((m) => m.measurement === 'snmp_device');
  const interfaces = (ms: AddedMeasurement[]): AddedMeasurement[] =>
    ms.filter((m) => m.measurement === 'snmp_interface');

  it('recorded: reads the walk of a real net-snmp snmpd', async () => {
    const ms = await gatherFrom('recorded-linux-snmpd');
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

  it('synthetic: a 48-port Cisco switch: ENTITY-MIB model and serial, every port, APs on 100 Mbit/s ports, Counter64 near 2^64', async () => {
    const ms = await gatherFrom('synthetic-cisco-c9200-48p', { max_repetitions: 10, sample_interval_s: 0.2 });
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

  it('synthetic: a MikroTik without ENTITY-MIB: vendor fallbacks and the WAN found by ifAlias', async () => {
    const ms = await gatherFrom('synthetic-mikrotik-hap-no-entity');
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

  it('synthetic: a UniFi access point with its Wi-Fi generation', async () => {
    const ms = await gatherFrom('synthetic-unifi-uap-ac-pro');
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
