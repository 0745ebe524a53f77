import { describe, expect, it } from 'vitest';
import { MemoryAccumulator } from '../memory-accumulator.js';
import type { CommandRunner } from '../probe.js';
import { compareOids } from './snmp-oids.js';
import { resolveSnmpOptions } from './snmp-options.js';
import { SnmpProbe } from './snmp-probe.js';
import { SnmpRequestError, type SnmpSession, type SnmpValue, type SnmpVarbind } from './snmp-session.js';
import { expandTargets } from './snmp-targets.js';
import { COUNTER64_MODULUS, counterDelta } from './snmp-values.js';
import { walkColumns } from './snmp-walker.js';
import { chassisIdentity, fullerModel, modelFromChassisDescr } from './snmp-identity.js';
import { classifyDevice, normalizeIdentity, refineWithModel, wifiGeneration } from './vendor-classifier.js';

const noRunner: CommandRunner = { run: () => Promise.reject(new Error('no command expected')) };
const text = (s: string): SnmpValue => ({ kind: 'octets', value: Buffer.from(s) });
const int = (n: number): SnmpValue => ({ kind: 'int', value: n });
const END: SnmpValue = { kind: 'exception', value: 'endOfMibView' };

/** A session over a sorted in-memory MIB, with hooks to misbehave. */
function fakeSession(
  mib: Map<string, SnmpValue>,
  hooks: { next?: (oid: string) => SnmpVarbind | undefined; maxVarbinds?: number; onClose?: () => void } = {},
): SnmpSession & { bulkCalls: number[] } {
  const oids = [...mib.keys()].sort(compareOids);
  const next = (oid: string): SnmpVarbind => {
    const hooked = hooks.next?.(oid);
    if (hooked) return hooked;
    const found = oids.find((o) => compareOids(o, oid) > 0);
    return found ? { oid: found, value: mib.get(found) ?? END } : { oid, value: END };
  };
  const bulkCalls: number[] = [];
  return {
    bulkCalls,
    get: (list) =>
      Promise.resolve(
        list.map((oid) => ({ oid, value: mib.get(oid) ?? { kind: 'exception', value: 'noSuchObject' } })),
      ),
    getBulk: (list, reps) => {
      bulkCalls.push(reps);
      if (hooks.maxVarbinds !== undefined && list.length * reps > hooks.maxVarbinds)
        return Promise.reject(new SnmpRequestError('too_big', 'tooBig'));
      return Promise.resolve(
        list.map((start) => {
          const out: SnmpVarbind[] = [];
          let at = start;
          for (let i = 0; i < reps; i++) {
            const vb = next(at);
            out.push(vb);
            if (vb.value.kind === 'exception') break;
            at = vb.oid;
          }
          return out;
        }),
      );
    },
    close: () => hooks.onClose?.(),
  };
}

function deviceMib(octets: { in: bigint }): Map<string, SnmpValue> {
  return new Map<string, SnmpValue>([
    ['1.3.6.1.2.1.1.1.0', text('RouterOS CCR2004-16G-2S+')],
    ['1.3.6.1.2.1.1.2.0', { kind: 'oid', value: '1.3.6.1.4.1.14988.1' }],
    ['1.3.6.1.2.1.1.3.0', int(1000)],
    ['1.3.6.1.2.1.1.5.0', text('gw')],
    ['1.3.6.1.2.1.2.2.1.2.1', text('ether1')],
    ['1.3.6.1.2.1.2.2.1.3.1', int(6)],
    ['1.3.6.1.2.1.31.1.1.1.6.1', { kind: 'counter64', value: octets.in }],
    ['1.3.6.1.2.1.31.1.1.1.15.1', int(1000)],
    ['1.3.6.1.2.1.31.1.1.1.18.1', text('WAN')],
  ]);
}

function probeWith(
  sessions: (host: string) => SnmpSession,
  options: Record<string, unknown> = {},
): SnmpProbe {
  return new SnmpProbe(
    { runner: noRunner, now: () => new Date(0) },
    resolveSnmpOptions({
      gateway: 'off',
      targets: ['192.0.2.10'],
      credentials: [{ version: '2c', community: 'c' }],
      sample_interval_s: 1,
      ...options,
    }),
    { createSession: (host) => sessions(host), sleep: () => new Promise((r) => setTimeout(r, 20)) },
  );
}

describe('walkColumns', () => {
  const mib = new Map<string, SnmpValue>(
    Array.from({ length: 30 }, (_, i) => [`1.3.6.1.2.1.2.2.1.2.${i + 1}`, text(`p${i + 1}`)] as const),
  );

  it('stops a looping agent that answers an OID with an earlier one', async () => {
    const session = fakeSession(mib, {
      next: (oid) =>
        oid === '1.3.6.1.2.1.2.2.1.2.5' ? { oid: '1.3.6.1.2.1.2.2.1.2.2', value: text('again') } : undefined,
    });
    const r = await walkColumns(session, ['1.3.6.1.2.1.2.2.1.2'], {
      maxRepetitions: 3,
      maxRows: 1000,
      deadline: Infinity,
    });
    expect(r.truncated).toBe('loop');
    expect([...(r.columns.get('1.3.6.1.2.1.2.2.1.2')?.keys() ?? [])]).toEqual(['1', '2', '3', '4', '5']);
  });

  it('stops at max rows', async () => {
    const r = await walkColumns(fakeSession(mib), ['1.3.6.1.2.1.2.2.1.2'], {
      maxRepetitions: 4,
      maxRows: 10,
      deadline: Infinity,
    });
    expect(r.truncated).toBe('max_rows');
    expect(r.columns.get('1.3.6.1.2.1.2.2.1.2')?.size).toBe(10);
  });

  it('answers tooBig with smaller repetitions and still reads everything', async () => {
    const session = fakeSession(mib, { maxVarbinds: 6 });
    const r = await walkColumns(session, ['1.3.6.1.2.1.2.2.1.2'], {
      maxRepetitions: 25,
      maxRows: 1000,
      deadline: Infinity,
    });
    expect(r.truncated).toBeUndefined();
    expect(r.columns.get('1.3.6.1.2.1.2.2.1.2')?.size).toBe(30);
    expect(session.bulkCalls.slice(0, 3)).toEqual([25, 12, 6]);
  });

  it('ends with what it had when the device stops answering', async () => {
    const session = fakeSession(mib);
    let calls = 0;
    const flaky: SnmpSession = {
      ...session,
      getBulk: (o, n) =>
        ++calls > 1 ? Promise.reject(new SnmpRequestError('timeout', 'no response')) : session.getBulk(o, n),
    };
    const r = await walkColumns(flaky, ['1.3.6.1.2.1.2.2.1.2'], {
      maxRepetitions: 5,
      maxRows: 1000,
      deadline: Infinity,
    });
    expect(r.truncated).toBe('timeout');
    expect(r.columns.get('1.3.6.1.2.1.2.2.1.2')?.size).toBe(5);
  });
});

describe('counterDelta', () => {
  it('handles a Counter64 wrap', () => {
    expect(counterDelta(COUNTER64_MODULUS - 100n, 50n, COUNTER64_MODULUS, undefined)).toBe(150n);
  });
  it('treats an impossible jump as a counter reset', () => {
    expect(counterDelta(5_000_000n, 10n, COUNTER64_MODULUS, 1_000_000n)).toBeUndefined();
  });
});

describe('SnmpProbe with injected sessions', () => {
  it('reports bps across a Counter64 wrap and closes every session', async () => {
    let sample = 0;
    let open = 0;
    const probe = probeWith(() => {
      open++;
      // Discovery, inventory (first sample), then the second sample on the same session.
      const first = COUNTER64_MODULUS - 1000n;
      const session = fakeSession(deviceMib({ in: first }), { onClose: () => open-- });
      return {
        ...session,
        getBulk: (oids, reps) => {
          if (oids.some((o) => o.startsWith('1.3.6.1.2.1.31.1.1.1.6')) && oids.length <= 2 && sample++ >= 0)
            return fakeSession(deviceMib({ in: 124_000n })).getBulk(oids, reps);
          return session.getBulk(oids, reps);
        },
      };
    });
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    const wan = acc.measurements.find((m) => m.measurement === 'snmp_interface');
    // 125 000 octets in about 1 s (the sleep is 20 ms here): bps is positive and finite.
    expect(wan?.fields.in_bps).toBeGreaterThan(0);
    expect(wan?.fields).toMatchObject({ is_uplink: true, uplink_reason: 'alias', speed_mbps: 1000 });
    expect(open).toBe(0);
  });

  it('a reboot between samples (sysUpTime went back) gives no rate', async () => {
    let call = 0;
    const probe = probeWith(() => {
      const s = fakeSession(deviceMib({ in: 5_000_000_000n }));
      return {
        ...s,
        get: async (oids) => {
          const out = await s.get(oids);
          // The second sample's sysUpTime read comes alone.
          if (oids.length === 1 && oids[0] === '1.3.6.1.2.1.1.3.0' && call++ >= 0)
            return [{ oid: oids[0], value: int(5) }];
          return out;
        },
        getBulk: (oids, reps) =>
          oids.length <= 2 && oids[0]?.startsWith('1.3.6.1.2.1.31.1.1.1.6')
            ? fakeSession(deviceMib({ in: 10n })).getBulk(oids, reps)
            : s.getBulk(oids, reps),
      };
    });
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    expect(acc.measurements.find((m) => m.measurement === 'snmp_interface')?.fields.in_bps).toBeUndefined();
  });

  it('survives malformed values: wrong types are left out, not thrown', async () => {
    const mib = deviceMib({ in: 1n });
    mib.set('1.3.6.1.2.1.1.5.0', { kind: 'null' });
    mib.set('1.3.6.1.2.1.31.1.1.1.15.1', text('fast'));
    mib.set('1.3.6.1.2.1.2.2.1.3.1', text('six'));
    const acc = new MemoryAccumulator();
    await probeWith(() => fakeSession(mib), { sample_interval_s: 0 }).gather(
      acc,
      new AbortController().signal,
    );
    const device = acc.measurements.find((m) => m.measurement === 'snmp_device');
    expect(device?.fields.result).toBe('ok');
    expect(device?.fields.sys_name).toBeUndefined();
    const iface = acc.measurements.find((m) => m.measurement === 'snmp_interface');
    expect(iface?.fields.speed_mbps).toBeUndefined();
    expect(iface?.fields.if_type).toBeUndefined();
  });

  it('leaves out interface rows whose index is not one InterfaceIndex (RFC 2863)', async () => {
    // Found by fuzzing: a row under a multi-part index (`ifDescr.0.0.7`)
    // became an interface with if_index NaN and the index as its name.
    const mib = deviceMib({ in: 1n });
    mib.set('1.3.6.1.2.1.2.2.1.2.0.0.7', text('bogus'));
    mib.set('1.3.6.1.2.1.2.2.1.2.0', text('zero'));
    const acc = new MemoryAccumulator();
    await probeWith(() => fakeSession(mib), { sample_interval_s: 0 }).gather(
      acc,
      new AbortController().signal,
    );
    const ifaces = acc.measurements.filter((m) => m.measurement === 'snmp_interface');
    expect(ifaces.map((m) => m.fields.if_index)).toEqual([1]);
  });

  it('takes model, serial and version from the chassis or the vendor MIB, never from a radio or USB row', async () => {
    // ENTITY-MIB as a hAP ac lite (RouterOS 6.40.5) fills it: an empty
    // chassis row, then rows for the radios and the USB controller.
    const ent = '1.3.6.1.2.1.47.1.1.1.1';
    const mib = deviceMib({ in: 1n });
    mib.set('1.3.6.1.2.1.1.1.0', text('router'));
    const rows: [string, number, number, string, string, string][] = [
      ['65536', 3, 0, 'RouterOS 6.40.5 (stable) on RB952Ui-5ac2nD', '', ''],
      ['131073', 2, 65536, 'Atheros Communications Inc. unknown device (rev: 0)', '0x0050', ''],
      ['262145', 2, 65536, 'Linux 3.3.5 ehci_hcd RB400 EHCI', '0x0002', 'rb400_usb'],
    ];
    for (const [ix, cls, parent, descr, model, serial] of rows) {
      mib.set(`${ent}.2.${ix}`, text(descr));
      mib.set(`${ent}.4.${ix}`, int(parent));
      mib.set(`${ent}.5.${ix}`, int(cls));
      mib.set(`${ent}.10.${ix}`, text(''));
      mib.set(`${ent}.11.${ix}`, text(serial));
      mib.set(`${ent}.13.${ix}`, text(model));
    }
    mib.set('1.3.6.1.4.1.14988.1.1.4.4.0', text('6.40.5'));
    mib.set('1.3.6.1.4.1.14988.1.1.7.3.0', text('71B1060EE89D'));
    // mtxrDisplayName (.7.8) is free text; the board name is .7.9.
    mib.set('1.3.6.1.4.1.14988.1.1.7.8.0', text('office hAP'));
    const acc = new MemoryAccumulator();
    await probeWith(() => fakeSession(mib), { sample_interval_s: 0 }).gather(
      acc,
      new AbortController().signal,
    );
    expect(acc.measurements.find((m) => m.measurement === 'snmp_device')?.fields).toMatchObject({
      model: 'RB952Ui-5ac2nD',
      serial: '71B1060EE89D',
      software_version: '6.40.5',
    });
    mib.set('1.3.6.1.4.1.14988.1.1.7.9.0', text('RB952Ui-5ac2nD-TC'));
    const acc2 = new MemoryAccumulator();
    await probeWith(() => fakeSession(mib), { sample_interval_s: 0 }).gather(
      acc2,
      new AbortController().signal,
    );
    expect(acc2.measurements.find((m) => m.measurement === 'snmp_device')?.fields.model).toBe(
      'RB952Ui-5ac2nD-TC',
    );
  });

  it('reads the model of a radio that names it only in the IEEE 802.11 MIB', async () => {
    const mib = deviceMib({ in: 1n });
    mib.set('1.3.6.1.2.1.1.1.0', text('Linux 2.6.32.68 #1 Thu Aug 22 16:38:44 EEST 2019 mips'));
    mib.set('1.3.6.1.2.1.1.2.0', { kind: 'oid', value: '1.3.6.1.4.1.10002.1' });
    mib.set('1.2.840.10036.3.1.2.1.3.7', text('LiteBeam 5AC Gen2'));
    mib.set('1.2.840.10036.3.1.2.1.4.7', text('WA.ar934x.v8.7.4.45112.210415.1103'));
    const acc = new MemoryAccumulator();
    await probeWith(() => fakeSession(mib), { sample_interval_s: 0 }).gather(
      acc,
      new AbortController().signal,
    );
    expect(acc.measurements.find((m) => m.measurement === 'snmp_device')?.fields).toMatchObject({
      vendor: 'Ubiquiti',
      os: 'airOS',
      model: 'LiteBeam 5AC Gen2',
      software_version: '8.7.4',
    });
  });

  it('reports configured targets before the gateway, and says what it waits for', async () => {
    const progress: string[] = [];
    const probe = new SnmpProbe(
      { runner: noRunner, now: () => new Date(0), progress: (m) => progress.push(m) },
      resolveSnmpOptions({
        gateway: '192.0.2.1',
        targets: ['192.0.2.10', '192.0.2.11'],
        credentials: [{ version: '2c', community: 'c' }],
        sample_interval_s: 7,
        discovery_timeout_ms: 300,
        discovery_retries: 2,
      }),
      {
        createSession: (host) => {
          if (host === '192.0.2.10') return fakeSession(deviceMib({ in: 1n }));
          const silent = fakeSession(new Map());
          return { ...silent, get: () => Promise.reject(new SnmpRequestError('timeout', 'no response')) };
        },
        sleep: () => Promise.resolve(),
      },
    );
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    const devices = acc.measurements.filter((m) => m.measurement === 'snmp_device');
    expect(devices.map((m) => [m.tags.host, m.fields.result])).toEqual([
      ['192.0.2.10', 'ok'],
      ['192.0.2.11', 'timeout'],
      ['192.0.2.1', 'timeout'],
    ]);
    const said = progress.join('\n');
    // The gateway is named, with how long a silent host is waited for: 300 ms × 3 tries.
    expect(said).toMatch(/gateway 192\.0\.2\.1/);
    expect(said).toMatch(/0\.9 s/);
    expect(said).toMatch(/7 s/);
  });

  it('sends nothing without credentials', async () => {
    const acc = new MemoryAccumulator();
    await probeWith(
      () => {
        throw new Error('no session expected');
      },
      { credentials: [] },
    ).gather(acc, new AbortController().signal);
    expect(acc.measurements).toEqual([
      expect.objectContaining({
        measurement: 'snmp_network',
        fields: expect.objectContaining({ result: 'skipped' }),
      }),
    ]);
  });
});

describe('classifyDevice', () => {
  it.each([
    [
      '1.3.6.1.4.1.9.1.1208',
      'Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE',
      'Cisco',
      'IOS',
      'switch',
    ],
    ['1.3.6.1.4.1.14988.1', 'RouterOS CCR1009-7G-1C-1S+', 'MikroTik', 'RouterOS', 'router'],
    ['1.3.6.1.4.1.41112.1.6', 'UAP-AC-Pro-Gen2 6.5.28.14491', 'Ubiquiti', 'UniFi', 'access_point'],
    ['1.3.6.1.4.1.41112.1.5', 'EdgeOS v2.0.9-hotfix.7.5622731.230615.0857', 'Ubiquiti', 'EdgeOS', 'router'],
    [
      '1.3.6.1.4.1.10002.1',
      'Linux 2.6.32.71 #1 Mon Aug 8 XW.ar934x.v6.3.11',
      'Ubiquiti',
      'airOS',
      'access_point',
    ],
    [
      '1.3.6.1.4.1.11.2.3.7.11.181',
      'Aruba JL258A 2930F-8G-PoE+-2SFP+ Switch, revision WC.16.10.0009, ROM WC.16.01.0008',
      'HPE Aruba',
      'ArubaOS-Switch',
      'switch',
    ],
    [
      '1.3.6.1.4.1.2636.1.1.1.2.132',
      'Juniper Networks, Inc. ex2300-24p Ethernet Switch, kernel JUNOS 18.2R3-S2.9',
      'Juniper',
      'Junos',
      'switch',
    ],
    ['1.3.6.1.4.1.12356.101.1.1', 'FortiGate-60F v7.0.12,build0523', 'Fortinet', 'FortiOS', 'router'],
    [
      '1.3.6.1.4.1.11863.5.1',
      'JetStream 24-Port Gigabit L2+ Managed Switch with 4 SFP Slots',
      'TP-Link',
      'TP-Link',
      'switch',
    ],
    ['1.3.6.1.4.1.890.1.15', 'GS1920-24HPv2', 'Zyxel', 'Zyxel', 'switch'],
    ['1.3.6.1.4.1.171.10.76.28', 'DGS-1210-28 6.00.011', 'D-Link', 'D-Link', 'switch'],
    [
      '1.3.6.1.4.1.4526.100.4.41',
      'GS724TPv2 ProSAFE 24-port Gigabit Smart Switch',
      'Netgear',
      'Netgear',
      'switch',
    ],
    [
      '1.3.6.1.4.1.2011.2.23.420',
      'Huawei Versatile Routing Platform Software VRP (R) software, Version 5.170 (S5720 V200R011C10SPC500)',
      'Huawei',
      'VRP',
      'switch',
    ],
    [
      '1.3.6.1.4.1.8072.3.2.10',
      'Linux school-server 6.1.0-13-amd64 #1 SMP PREEMPT_DYNAMIC x86_64',
      'net-snmp',
      'Linux',
      undefined,
    ],
    [
      '1.3.6.1.4.1.311.1.1.3.1.2',
      'Hardware: Intel64 Family 6 Model 85 - Software: Windows Version 6.3 (Build 17763 Multiprocessor Free)',
      'Microsoft',
      'Windows',
      'other',
    ],
  ])('%s %s', (oid, descr, vendor, os, role) => {
    const c = classifyDevice(oid, descr);
    expect({ vendor: c.vendor, os: c.os }).toEqual({ vendor, os });
    expect(c.role).toBe(role);
  });

  it.each([
    [
      '1.3.6.1.4.1.12325.1.1.2.1.1',
      'pfSense 2.3.2-RELEASE pfSense FreeBSD 10.3-RELEASE-p5 amd64',
      'Netgate',
      'pfSense',
      'router',
      undefined,
      '2.3.2',
    ],
    [
      '1.3.6.1.4.1.8072.3.2.8',
      'FreeBSD fw 12.1-RELEASE-p19-HBSD FreeBSD 12.1-RELEASE-p19-HBSD #0  0c59842367b(stable/21.1)-dirty: Mon Jul  5 15:08:43 CEST 2021',
      'Deciso',
      'OPNsense',
      'router',
      undefined,
      '21.1',
    ],
    [
      '1.3.6.1.4.1.8072.3.2.8',
      'FreeBSD nas 13.2-RELEASE FreeBSD 13.2-RELEASE releng/13.2 amd64',
      'net-snmp',
      'FreeBSD',
      undefined,
      undefined,
      '13.2-RELEASE',
    ],
    [
      '1.3.6.1.4.1.9.6.1.1004.28.5',
      'CBS350-24P-4G 24-Port Gigabit PoE Managed Switch',
      'Cisco',
      'Cisco Small Business',
      'switch',
      'CBS350-24P-4G',
      undefined,
    ],
    [
      '1.3.6.1.4.1.9.6.1.80',
      'Linux, Cisco Systems, Inc WAP371 (WAP371-A-K9), Version 1.3.0.4',
      'Cisco',
      'Cisco Small Business',
      'access_point',
      'WAP371-A-K9',
      '1.3.0.4',
    ],
    [
      '1.3.6.1.4.1.14823.1.2.59',
      'ArubaOS (MODEL: 225), Version 8.4.0.0-8.4.0.0',
      'HPE Aruba',
      'ArubaOS',
      'access_point',
      'AP-225',
      '8.4.0.0',
    ],
    [
      '1.3.6.1.4.1.29671.2.45',
      '=Meraki MR28 Cloud Managed AP',
      'Cisco Meraki',
      'Meraki',
      'access_point',
      'MR28',
      undefined,
    ],
    [
      '1.3.6.1.4.1.41112.1.5',
      'EdgeRouter Lite',
      'Ubiquiti',
      'EdgeOS',
      'router',
      'EdgeRouter Lite',
      undefined,
    ],
    ['1.3.6.1.4.1.8072.3.2.10', 'USG FLEX 100H', 'Zyxel', 'Zyxel', 'router', 'USG FLEX 100H', undefined],
    [
      '1.3.6.1.4.1.25053.3.1.5.15',
      'Ruckus Wireless ZD1200',
      'Ruckus',
      'ZoneDirector',
      'other',
      'ZD1200',
      undefined,
    ],
    [
      '1.3.6.1.4.1.2636.1.1.1.4.131.2',
      'Juniper Networks, Inc. ex3400-48t Ethernet Switch, kernel JUNOS 15.1X53-D59.4',
      'Juniper',
      'Junos',
      'switch',
      'EX3400-48T',
      '15.1X53-D59.4',
    ],
    [
      '1.3.6.1.4.1.2011.2.23.276',
      'S5720-36C-EI-AC \r\nHuawei Versatile Routing Platform Software \r\n VRP (R) software,Version 5.160 (S5720 V200R007C00SPC500)',
      'Huawei',
      'VRP',
      'switch',
      'S5720-36C-EI-AC',
      'V200R007C00SPC500',
    ],
  ])('%s %s: identity from descriptions', (oid, descr, vendor, os, role, model, version) => {
    const c = classifyDevice(oid, descr);
    expect({
      vendor: c.vendor,
      os: c.os,
      role: c.role,
      model: c.model,
      softwareVersion: c.softwareVersion,
    }).toEqual({
      vendor,
      os,
      role,
      model,
      softwareVersion: version,
    });
  });

  it('a full model name beats a series name, a description does not', () => {
    expect(fullerModel('S5720', 'S5720-36C-EI-AC')).toBe('S5720-36C-EI-AC');
    expect(fullerModel('J9146A', 'J9146A E2910al-24G-PoE Switch')).toBe('J9146A');
    expect(fullerModel(undefined, 'SG350-10')).toBe('SG350-10');
    expect(modelFromChassisDescr('RouterOS 7.20beta2 (testing) on RB750Gr3')).toBe('RB750Gr3');
    expect(modelFromChassisDescr('C9200L-48P-4X')).toBe('C9200L-48P-4X');
    expect(modelFromChassisDescr('HUAWEI S5720 Routing Switch')).toBeUndefined();
  });

  it('puts models and versions in the form vendors sell them', () => {
    expect(
      normalizeIdentity('Fortinet', { model: 'FGT_60F', softwareVersion: 'v7.2.6,build1575,230926 (GA.F)' }),
    ).toEqual({
      model: 'FortiGate-60F',
      softwareVersion: '7.2.6',
    });
    expect(normalizeIdentity('TP-Link', { model: 'T1600G-28TS 3.0' }).model).toBe('T1600G-28TS');
    expect(
      normalizeIdentity('Zyxel', { softwareVersion: 'V4.80(ABQF.3) | 10/06/2023' }).softwareVersion,
    ).toBe('V4.80(ABQF.3)');
    expect(refineWithModel(classifyDevice('1.3.6.1.4.1.10002.1', 'Linux 3.3.8 #1 mips'), 'UAP').os).toBe(
      'UniFi',
    );
  });

  it('never takes a stack, module or port row for the device', () => {
    const ent = '1.3.6.1.2.1.47.1.1.1.1';
    const columns = new Map<string, Map<string, SnmpValue>>([
      [
        `${ent}.4`,
        new Map([
          ['1', int(0)],
          ['2', int(0)],
        ]),
      ],
      [
        `${ent}.5`,
        new Map([
          ['1', int(10)],
          ['2', int(9)],
        ]),
      ],
      [
        `${ent}.13`,
        new Map([
          ['1', text('PORT')],
          ['2', text('0x0050')],
        ]),
      ],
    ]);
    expect(chassisIdentity({ columns, requests: 1 }).model).toBeUndefined();
  });

  it('parses versions where sysDescr has them', () => {
    expect(classifyDevice('1.3.6.1.4.1.9.1.1', 'Cisco IOS Software, Version 15.2(7)E4').softwareVersion).toBe(
      '15.2(7)E4',
    );
    expect(
      classifyDevice(
        '1.3.6.1.4.1.311.1.1.3.1.1',
        'Software: Windows Version 6.3 (Build 19045 Multiprocessor Free)',
      ).softwareVersion,
    ).toBe('6.3.19045');
  });

  it('names Wi-Fi generations from models', () => {
    expect(wifiGeneration('U6-Pro')).toBe('wifi6');
    expect(wifiGeneration('UAP-AC-Lite')).toBe('wifi5');
    expect(wifiGeneration('UAP')).toBe('wifi4');
    expect(wifiGeneration('U7-Pro')).toBe('wifi7');
    expect(wifiGeneration('mystery box')).toBeUndefined();
  });
});

describe('targets and options', () => {
  it('expands CIDR ranges without network and broadcast, hosts kept explicit', () => {
    const t = expandTargets(['10.1.2.0/30', 'sw1.school.lv'], 100, ['10.1.2.1']);
    expect(t).toEqual([
      { host: '10.1.2.1', explicit: true },
      { host: '10.1.2.2', explicit: false },
      { host: 'sw1.school.lv', explicit: true },
    ]);
    expect(() => expandTargets(['10.0.0.0/16'], 1024)).toThrow(/snmp\.targets\[0\].*max_targets/);
    expect(() => expandTargets(['not a host!'], 10)).toThrow(/snmp\.targets\[0\]/);
  });

  it.each([
    ['sha256', 'AES256', 'SHA-256', 'AES-256'],
    ['SHA256', 'aes-256', 'SHA-256', 'AES-256'],
    ['Sha-512', 'AES128', 'SHA-512', 'AES'],
    ['sha', 'aes', 'SHA', 'AES'],
    ['SHA224', 'AES256C', 'SHA-224', 'AES-256-C'],
    ['sha-384', 'aes-256-c', 'SHA-384', 'AES-256-C'],
  ])('accepts auth %s and privacy %s as %s and %s', (auth, priv, authName, privName) => {
    const [cred] = resolveSnmpOptions({
      credentials: [
        {
          version: '3',
          user: 'u',
          auth_protocol: auth,
          auth_key: 'auth-key-1',
          priv_protocol: priv,
          priv_key: 'priv-key-1',
        },
      ],
    }).credentials;
    expect(cred).toMatchObject({ auth_protocol: authName, priv_protocol: privName });
  });

  it('refuses protocol names that are none of these, naming what it accepts', () => {
    for (const [auth, priv, key] of [
      ['MD5', 'AES', 'auth_protocol'],
      ['SHA-255', 'AES', 'auth_protocol'],
      ['SHA256', 'DES', 'priv_protocol'],
      ['SHA256', 'AES-192', 'priv_protocol'],
    ] as const) {
      expect(() =>
        resolveSnmpOptions({
          credentials: [
            {
              version: '3',
              user: 'u',
              auth_protocol: auth,
              auth_key: 'auth-key-1',
              priv_protocol: priv,
              priv_key: 'priv-key-1',
            },
          ],
        }),
      ).toThrow(new RegExp(`snmp\\.credentials\\[0\\]\\.${key}.*one of`));
    }
  });

  it('names the bad key and never echoes a secret', () => {
    expect(() =>
      resolveSnmpOptions({
        credentials: [{ version: '3', user: 'u', auth_protocol: 'MD5', auth_key: 'secret-key-1' }],
      }),
    ).toThrow(/snmp\.credentials\[0\]\.auth_protocol/);
    try {
      resolveSnmpOptions({ credentials: [{ version: '2c', community: 'hush-hush', extra: 1 }] });
    } catch (err) {
      expect((err as Error).message).toMatch(/snmp\.credentials\[0\]\.extra/);
      expect((err as Error).message).not.toContain('hush-hush');
    }
    expect(() => resolveSnmpOptions({ timeout_ms: 'soon' })).toThrow(/^snmp\.timeout_ms/);
  });
});
