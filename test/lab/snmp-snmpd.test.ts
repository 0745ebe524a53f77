import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../agent/src/cli.js';
import { MemoryAccumulator } from '../../agent/src/probes/memory-accumulator.js';
import type { CommandRunner } from '../../agent/src/probes/probe.js';
import { resolveSnmpOptions } from '../../agent/src/probes/snmp/snmp-options.js';
import { SnmpProbe } from '../../agent/src/probes/snmp/snmp-probe.js';
import { missingComponent } from '../support/real-component.js';
import { eventually } from '../support/poll.js';
import { LAB_COMMUNITY, LAB_SYS, LAB_V3, snmpLabMissing, startSnmpLab, type SnmpLab } from './snmp-lab.js';

const missing = snmpLabMissing();
const skip = missingComponent('SNMP lab (root, ip netns, snmpd)', missing === undefined, missing ?? '');

/** The probe must never run a command here: the gateway is off in every test. */
const noRunner: CommandRunner = {
  run: () => Promise.reject(new Error('no command expected')),
};

function probeFor(options: Record<string, unknown>): SnmpProbe {
  return new SnmpProbe(
    { runner: noRunner, now: () => new Date() },
    // gateway off: the lab never sends a packet to the machine's real default gateway.
    resolveSnmpOptions({ gateway: 'off', sample_interval_s: 0.5, timeout_ms: 1000, ...options }),
  );
}

const v2c = { version: '2c', community: LAB_COMMUNITY };
const v3 = {
  version: '3',
  user: LAB_V3.user,
  auth_protocol: 'SHA-256',
  auth_key: LAB_V3.authKey,
  priv_protocol: 'AES',
  priv_key: LAB_V3.privKey,
};

describe.skipIf(skip)('snmp probe against a real snmpd in a network namespace', () => {
  let lab: SnmpLab;
  let agent: string;
  beforeAll(async () => {
    lab = await startSnmpLab('t');
    agent = lab.agents[0] ?? '';
  });
  afterAll(() => lab?.stop());

  function nsInterfaces(): string[] {
    const out = execFileSync('ip', ['-n', lab.ns, '-o', 'link', 'show'], { encoding: 'utf8' });
    return out
      .split('\n')
      .map((l) => /^\d+:\s+([^:@]+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined);
  }

  it('v2c: finds sys_name, sys_location, every interface with its speed, and the uplink', async () => {
    const acc = new MemoryAccumulator();
    await probeFor({ targets: [agent], credentials: [v2c] }).gather(acc, new AbortController().signal);
    const device = acc.measurements.find((m) => m.measurement === 'snmp_device');
    expect(device?.tags).toEqual({ host: agent });
    expect(device?.fields).toMatchObject({
      result: 'ok',
      sys_name: LAB_SYS.name,
      sys_location: LAB_SYS.location,
      snmp_version: '2c',
      vendor: 'net-snmp',
      os: 'Linux',
      role: 'router',
    });
    expect(device?.fields.sys_object_id).toBe('1.3.6.1.4.1.8072.3.2.10');
    expect(device?.fields.uptime_s).toEqual(expect.any(Number));
    const ifs = acc.measurements.filter((m) => m.measurement === 'snmp_interface');
    expect(ifs.map((m) => m.tags.if_name).sort()).toEqual(nsInterfaces().sort());
    expect(device?.fields.if_count).toBe(ifs.length);
    for (const i of ifs) expect(i.fields.speed_mbps, i.tags.if_name).toEqual(expect.any(Number));
    const lan = ifs.find((m) => m.tags.if_name === lab.nsIf);
    // A veth reports 10 Gbit/s through ethtool, which snmpd passes on as ifHighSpeed.
    expect(lan?.fields).toMatchObject({
      speed_mbps: 10000,
      oper_status: 'up',
      admin_status: 'up',
      mtu: 1500,
      is_uplink: true,
      uplink_reason: 'route',
    });
    expect(lan?.fields.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(lan?.fields.in_bps).toEqual(expect.any(Number));
    expect(lan?.fields.out_bps).toEqual(expect.any(Number));
    const net = acc.measurements.find((m) => m.measurement === 'snmp_network');
    expect(net?.fields).toMatchObject({
      hosts_swept: 1,
      responders_count: 1,
      routers_count: 1,
      uplink_host: agent,
      uplink_if_name: lab.nsIf,
      uplink_speed_mbps: 10000,
    });
  });

  it('v3 authPriv (SHA-256, AES) works', async () => {
    const acc = new MemoryAccumulator();
    await probeFor({ targets: [agent], credentials: [v3], sample_interval_s: 0 }).gather(
      acc,
      new AbortController().signal,
    );
    const device = acc.measurements.find((m) => m.measurement === 'snmp_device');
    expect(device?.fields).toMatchObject({ result: 'ok', sys_name: LAB_SYS.name, snmp_version: '3' });
    expect(acc.measurements.filter((m) => m.measurement === 'snmp_interface').length).toBeGreaterThan(2);
  });

  it('tries credentials in order, remembers the one that worked, and never reports a secret', async () => {
    const probe = probeFor({
      targets: [agent],
      credentials: [
        { version: '2c', community: 'wrong-community' },
        { ...v3, auth_key: 'not-the-key-1' },
        v3,
        v2c,
      ],
      sample_interval_s: 0,
      discovery_timeout_ms: 300,
      discovery_retries: 0,
    });
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    expect(probe.credentialIndexFor(agent)).toBe(2);
    const text = JSON.stringify(acc.measurements);
    for (const secret of [LAB_COMMUNITY, LAB_V3.authKey, LAB_V3.privKey, 'not-the-key-1', 'wrong-community'])
      expect(text).not.toContain(secret);
  });

  it('reports a named host that does not answer as a timeout result', async () => {
    const silent = lab.subnet.replace(/0\/24$/, '250');
    const acc = new MemoryAccumulator();
    await probeFor({
      targets: [silent],
      credentials: [v2c],
      discovery_timeout_ms: 200,
      discovery_retries: 0,
    }).gather(acc, new AbortController().signal);
    expect(acc.measurements.find((m) => m.measurement === 'snmp_device')).toMatchObject({
      tags: { host: silent },
      fields: { result: 'timeout' },
    });
  });

  it('sweeps a CIDR range and reports only responders', async () => {
    const acc = new MemoryAccumulator();
    const range = lab.subnet.replace(/\.0\/24$/, '.0/28');
    await probeFor({
      targets: [range],
      credentials: [v2c],
      sample_interval_s: 0,
      discovery_timeout_ms: 300,
      discovery_retries: 0,
    }).gather(acc, new AbortController().signal);
    const devices = acc.measurements.filter((m) => m.measurement === 'snmp_device');
    expect(devices.map((d) => d.tags.host)).toEqual([agent]);
    expect(acc.measurements.find((m) => m.measurement === 'snmp_network')?.fields).toMatchObject({
      hosts_swept: 14,
      responders_count: 1,
    });
  });

  it('closes every session: repeated polling leaves no socket open', async () => {
    const probe = probeFor({
      targets: [agent, lab.subnet.replace(/0\/24$/, '251')],
      credentials: [{ version: '2c', community: 'wrong' }, v2c, v3],
      sample_interval_s: 0.1,
      discovery_timeout_ms: 200,
      discovery_retries: 0,
    });
    const fds = (): number => readdirSync('/proc/self/fd').length;
    await probe.gather(new MemoryAccumulator(), new AbortController().signal);
    const before = fds();
    for (let i = 0; i < 5; i++) await probe.gather(new MemoryAccumulator(), new AbortController().signal);
    // Sockets close asynchronously: wait until the count is back, a leak never gets there.
    await eventually(() => expect(fds()).toBeLessThanOrEqual(before), { timeoutMs: 5_000 });
  });

  it('skolnet-agent assess --config FILE --only snmp --json works without a collector and warns about a readable file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-snmp-config-'));
    try {
      const file = join(dir, 'agent.yaml');
      writeFileSync(
        file,
        [
          'snmp:',
          '  gateway: "off"',
          '  sample_interval_s: 0',
          `  targets: [${agent}]`,
          '  credentials:',
          `    - {version: "2c", community: wrong-one}`,
          `    - {version: "3", user: ${LAB_V3.user}, auth_protocol: SHA-256, auth_key: ${LAB_V3.authKey}, priv_protocol: AES, priv_key: ${LAB_V3.privKey}}`,
          'probes:',
          '  latency: {count: 3}',
          '',
        ].join('\n'),
      );
      chmodSync(file, 0o644);
      let stdout = '';
      let stderr = '';
      const code = await main(
        ['assess', '--config', file, '--only', 'snmp', '--json', '--set', 'snmp.discovery_timeout_ms=300'],
        { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
      );
      expect(code).toBe(0);
      expect(stderr).toContain('readable by other users');
      expect(stderr).not.toContain(LAB_V3.authKey);
      const report = JSON.parse(stdout) as {
        results: { measurement: string; fields: Record<string, unknown> }[];
      };
      const device = report.results.find((r) => r.measurement === 'snmp_device');
      expect(device?.fields).toMatchObject({ sys_name: LAB_SYS.name, snmp_version: '3' });
      expect(stdout).not.toContain(LAB_V3.authKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
