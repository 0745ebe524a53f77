import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAccumulator, type AddedMeasurement } from '../../agent/src/probes/memory-accumulator.js';
import type { CommandRunner } from '../../agent/src/probes/probe.js';
import { resolveSnmpOptions } from '../../agent/src/probes/snmp/snmp-options.js';
import { SnmpProbe } from '../../agent/src/probes/snmp/snmp-probe.js';
import { commandWorks, missingComponent } from '../support/real-component.js';

/** Why snmpsim tests cannot run here (skip reason), undefined when they can; throws under CI. */
export function snmpsimMissing(): string | undefined {
  // snmpsimd exits 255 even for --version, so look it up on PATH instead.
  return missingComponent(
    'snmpsim',
    commandWorks('sh', ['-c', 'command -v snmpsimd']),
    'apt-get install snmpsim',
  );
}

/** A running snmpsimd serving copies of `.snmprec` files; the file name (without extension) is the community. */
export interface Snmpsim {
  port: number;
  /** Runs the snmp probe against one walk (by community) and returns what it added. */
  gather(community: string, options?: Record<string, unknown>): Promise<AddedMeasurement[]>;
  stop(): void;
}

const noRunner: CommandRunner = { run: () => Promise.reject(new Error('no command expected')) };

async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

/**
 * Starts snmpsimd on a free loopback port with every `.snmprec` file of
 * `caseDir`, and waits until it answers for `readyCommunity` (it indexes the
 * files first, which takes a few seconds for large walks).
 */
export async function startSnmpsim(caseDir: string, readyCommunity: string): Promise<Snmpsim> {
  const dir = mkdtempSync(join(tmpdir(), 'skolnet-snmpsim-'));
  const data = join(dir, 'data');
  const cache = join(dir, 'cache');
  for (const d of [data, cache]) mkdirSync(d);
  for (const f of readdirSync(caseDir).filter((f) => f.endsWith('.snmprec')))
    copyFileSync(join(caseDir, f), join(data, f));
  // snmpsimd drops root privileges; let the unprivileged user read and cache.
  for (const d of [dir, data, cache]) chmodSync(d, 0o777);
  const port = await freeUdpPort();
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(
    'snmpsimd',
    [
      `--data-dir=${data}`,
      `--cache-dir=${cache}`,
      `--agent-udpv4-endpoint=127.0.0.1:${port}`,
      ...(asRoot ? ['--process-user=nobody', '--process-group=nogroup'] : []),
    ],
    { stdio: 'ignore' },
  );
  const stop = (): void => {
    if (child.pid && child.exitCode === null) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const gather = async (
    community: string,
    options: Record<string, unknown> = {},
  ): Promise<AddedMeasurement[]> => {
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
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ms = await gather(readyCommunity);
      if (ms.some((m) => m.measurement === 'snmp_device' && m.fields.result === 'ok')) break;
      if (Date.now() > deadline) throw new Error('snmpsimd did not answer within 30 s');
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (err) {
    stop();
    throw err;
  }
  return { port, gather, stop };
}
