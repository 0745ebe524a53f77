/**
 * SNMP inventory speed: the probe's full inventory of one device (system
 * group, ifTable + ifXTable, ENTITY-MIB, LLDP, default route, IEEE 802.11
 * MIB product names) beside
 * `snmpbulkwalk` of the same subtrees in the same run, against a real
 * snmpd in a network namespace; then discovery of a /24 in which five
 * addresses answer. Targets (issue 4): inventory at most 1.5 × snmpbulkwalk,
 * the /24 in 10 s or less. Figures are printed, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAccumulator } from '../../agent/src/probes/memory-accumulator.js';
import type { CommandRunner } from '../../agent/src/probes/probe.js';
import { inventoryDevice } from '../../agent/src/probes/snmp/snmp-inventory.js';
import { resolveSnmpOptions, type SnmpCredential } from '../../agent/src/probes/snmp/snmp-options.js';
import { SnmpProbe } from '../../agent/src/probes/snmp/snmp-probe.js';
import { createNetSnmpSession } from '../../agent/src/probes/snmp/snmp-session.js';
import { LAB_COMMUNITY, LAB_V3, snmpLabMissing, startSnmpLab, type SnmpLab } from '../lab/snmp-lab.js';
import { percentile } from '@skolnet/shared';
import { fmt, printTable } from './support.js';

const RUNS = 15;
/** The subtrees the probe reads, walked one by one as an administrator would. */
const SUBTREES = [
  '1.3.6.1.2.1.1',
  '1.3.6.1.2.1.2.2',
  '1.3.6.1.2.1.31.1.1',
  '1.3.6.1.2.1.47.1.1.1',
  '1.0.8802.1.1.2.1.3.7',
  '1.0.8802.1.1.2.1.4.1',
  '1.3.6.1.2.1.4.24.7.1.7',
  // IEEE 802.11 MIB product names: the probe reads them when no model is known yet, as for this snmpd.
  '1.2.840.10036.3.1.2.1',
];
const missing = snmpLabMissing();
const noRunner: CommandRunner = { run: () => Promise.reject(new Error('no command expected')) };

describe.skipIf(missing !== undefined)('snmp benchmark', () => {
  let lab: SnmpLab;
  beforeAll(async () => {
    lab = await startSnmpLab('bench', 5);
  });
  afterAll(() => lab?.stop());

  function bulkwalkMs(args: readonly string[]): number {
    const t0 = performance.now();
    for (const tree of SUBTREES) {
      // MIBS= and -On: no MIB parsing, numeric output, as the probe does.
      execFileSync(
        'snmpbulkwalk',
        [...args, '-On', '-Cr25', '-t', '2', '-r', '1', lab.agents[0] ?? '', tree],
        {
          stdio: 'pipe',
          env: { ...process.env, MIBS: '' },
        },
      );
    }
    return performance.now() - t0;
  }

  async function inventoryMs(credential: SnmpCredential): Promise<number> {
    const t0 = performance.now();
    const session = createNetSnmpSession(lab.agents[0] ?? '', credential, {
      port: 161,
      timeoutMs: 2000,
      retries: 1,
    });
    try {
      const inv = await inventoryDevice(session, { maxRepetitions: 25, maxRows: 20_000, deadline: Infinity });
      expect(inv.interfaces.length).toBeGreaterThan(0);
    } finally {
      session.close();
    }
    return performance.now() - t0;
  }

  it('device inventory vs snmpbulkwalk of the same subtrees', async () => {
    const v3: SnmpCredential = {
      version: '3',
      user: LAB_V3.user,
      auth_protocol: 'SHA-256',
      auth_key: LAB_V3.authKey,
      priv_protocol: 'AES',
      priv_key: LAB_V3.privKey,
    };
    const v3args = [
      '-v3',
      '-l',
      'authPriv',
      '-u',
      LAB_V3.user,
      '-a',
      'SHA-256',
      '-A',
      LAB_V3.authKey,
      '-x',
      'AES',
      '-X',
      LAB_V3.privKey,
    ];
    const rows: string[][] = [];
    for (const [label, cred, args] of [
      ['v2c', { version: '2c', community: LAB_COMMUNITY } as SnmpCredential, ['-v2c', '-c', LAB_COMMUNITY]],
      ['v3 authPriv', v3, v3args],
    ] as const) {
      const ours: number[] = [];
      const ref: number[] = [];
      // Interleaved so both see the same machine load.
      for (let i = 0; i < RUNS; i++) {
        ours.push(await inventoryMs(cred));
        ref.push(bulkwalkMs(args));
      }
      const p50 = percentile(ours, 50);
      const r50 = percentile(ref, 50);
      rows.push([
        label,
        fmt(p50, 1),
        fmt(percentile(ours, 90), 1),
        fmt(r50, 1),
        fmt(percentile(ref, 90), 1),
        fmt(p50 !== undefined && r50 !== undefined ? p50 / r50 : undefined, 2),
      ]);
    }
    printTable(
      `SNMP inventory of one device (snmpd in a namespace, ${RUNS} runs, ms)`,
      [
        'credential',
        'skolnet p50',
        'skolnet p90',
        'snmpbulkwalk p50',
        'snmpbulkwalk p90',
        'ratio p50 (target <= 1.5)',
      ],
      rows,
    );
  });

  it('discovery of a /24 with five responders', async () => {
    const probe = new SnmpProbe(
      { runner: noRunner, now: () => new Date() },
      resolveSnmpOptions({
        gateway: 'off',
        targets: [lab.subnet],
        credentials: [{ version: '2c', community: LAB_COMMUNITY }],
        sample_interval_s: 0,
      }),
    );
    const t0 = performance.now();
    const acc = new MemoryAccumulator();
    await probe.gather(acc, new AbortController().signal);
    const total = performance.now() - t0;
    const net = acc.measurements.find((m) => m.measurement === 'snmp_network');
    expect(net?.fields.responders_count).toBe(5);
    printTable(
      'SNMP discovery of a /24 (254 addresses, 5 answer; defaults: concurrency 128, 1 s timeout, 1 retry)',
      ['phase', 'seconds', 'target'],
      [
        ['sweep (discovery)', fmt(Number(net?.fields.discovery_ms) / 1000, 2), '<= 10'],
        ['sweep + inventory of 5', fmt(total / 1000, 2), '-'],
      ],
    );
  });
});
