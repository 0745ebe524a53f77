import { cpus, hostname, totalmem } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { createCommandRunner } from '../../system/command-runner.js';
import type { SystemInformationOutcome } from '../../system/run-system-information.js';
import { MemoryAccumulator } from '../memory-accumulator.js';
import type { ProbeContext } from '../probe.js';
import { hostProbeDefinition } from './host-probe-definition.js';
import { HOST_CALLS, HostProbe, hostMeasurements, type HostInventory } from './host-probe.js';

const testcases = new URL('./testcases/', import.meta.url);
const ctx: ProbeContext = { runner: createCommandRunner(), now: () => new Date('2026-03-02T09:00:00Z') };
const signal = (): AbortSignal => new AbortController().signal;

/** Every string anywhere inside `value`, to look for identifiers that must not leak. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(strings);
  return [];
}

describe('recorded systeminformation answers', () => {
  const names = readdirSync(testcases);
  it('has cases', () => expect(names.length).toBeGreaterThan(0));

  it.each(names)('maps %s', (name) => {
    const input = JSON.parse(readFileSync(new URL(`${name}/input.json`, testcases), 'utf8')) as HostInventory;
    const expected = JSON.parse(readFileSync(new URL(`${name}/expected.json`, testcases), 'utf8')) as unknown;
    const out = hostMeasurements(input, { include_virtual: false });
    expect(out).toEqual(expected);

    // MACs, serials and addresses are in the input; none may reach a result.
    const secrets = [
      ...(input.networkInterfaces.ok
        ? (input.networkInterfaces.value as Record<string, unknown>[])
        : []
      ).flatMap((n) => [n.mac, n.ip4, n.ip6]),
      ...(['osInfo', 'system'] as const).map((k) => {
        const o = input[k];
        return o.ok ? (o.value as Record<string, unknown>).serial : undefined;
      }),
    ].filter((s): s is string => typeof s === 'string' && s.length > 3);
    expect(secrets.length).toBeGreaterThan(0);
    const reported = strings(out);
    for (const secret of secrets) expect(reported).not.toContain(secret);
  });
});

const ok = (value: unknown): SystemInformationOutcome => ({ ok: true, value });
const inventory = (over: Partial<HostInventory> = {}): HostInventory => ({
  osInfo: ok({
    platform: 'win32',
    distro: 'Microsoft Windows 11 Pro',
    hostname: 'LAB-PC-07',
    serial: 'ABC-123',
  }),
  system: ok({ manufacturer: 'To Be Filled By O.E.M.', model: 'OptiPlex 3080', serial: 'SN12345' }),
  cpu: ok({ manufacturer: 'Intel', brand: 'Core i5-10500', cores: 12, physicalCores: 6, speed: 3.1 }),
  mem: ok({ total: 8 * 1024 ** 3 }),
  networkInterfaces: ok([
    {
      iface: 'Wi-Fi',
      type: 'wireless',
      speed: null,
      mtu: 1500,
      operstate: 'up',
      default: true,
      internal: false,
      virtual: false,
      mac: 'aa:bb:cc:dd:ee:ff',
    },
    { iface: 'vEthernet (WSL)', type: 'wired', speed: 10000, internal: false, virtual: true },
    { iface: 'Loopback', internal: true },
  ]),
  battery: ok({ hasBattery: true, percent: 64, isCharging: false }),
  time: ok({ uptime: 3600.4 }),
  ...over,
});

describe('hostMeasurements rules', () => {
  it('reports a real battery and leaves out placeholders and unknown speeds', () => {
    const { host, interfaces } = hostMeasurements(inventory(), { include_virtual: false });
    expect(host).toMatchObject({
      has_battery: true,
      battery_pct: 64,
      battery_charging: false,
      uptime_s: 3600,
    });
    expect(host).not.toHaveProperty('hw_manufacturer');
    expect(interfaces).toEqual([
      {
        iface: 'Wi-Fi',
        fields: { type: 'wireless', operstate: 'up', mtu_bytes: 1500, is_default: true, is_virtual: false },
      },
    ]);
  });

  it('reports virtual interfaces only when asked', () => {
    const { interfaces } = hostMeasurements(inventory(), { include_virtual: true });
    expect(interfaces.map((i) => i.iface)).toEqual(['Wi-Fi', 'vEthernet (WSL)']);
    expect(interfaces[1]?.fields.speed_mbps).toBe(10000);
  });

  it('has no battery charge without a battery', () => {
    const { host } = hostMeasurements(inventory({ battery: ok({ hasBattery: false, percent: 0 }) }), {
      include_virtual: false,
    });
    expect(host.has_battery).toBe(false);
    expect(host).not.toHaveProperty('battery_pct');
  });
});

describe('HostProbe', () => {
  it('inventories this machine through the real child process', async () => {
    const acc = new MemoryAccumulator();
    await hostProbeDefinition.create(ctx).gather(acc, signal());
    const host = acc.measurements.find((m) => m.measurement === 'host');
    expect(host?.fields).toMatchObject({
      os_platform: process.platform,
      hostname: hostname(),
      mem_total_bytes: totalmem(),
      cpu_cores: cpus().length,
    });
    expect(host?.at).toEqual(new Date('2026-03-02T09:00:00Z'));
    for (const m of acc.measurements.filter((x) => x.measurement === 'host_interface')) {
      expect(m.tags.iface).toBeTruthy();
      expect(m.fields).not.toHaveProperty('mac');
    }
  });

  it('reports a failed call through acc.error and keeps the rest', async () => {
    const acc = new MemoryAccumulator();
    const probe = new HostProbe(
      ctx,
      { timeout_s: 5, include_virtual: false },
      {
        runSystemInformation: () =>
          Promise.resolve({ ...inventory(), battery: { ok: false, error: 'no battery API' } }),
      },
    );
    await probe.gather(acc, signal());
    expect(acc.errors.map((e) => e.message)).toEqual(['systeminformation battery: no battery API']);
    expect(acc.measurements.find((m) => m.measurement === 'host')?.fields).toMatchObject({ cpu_cores: 12 });
  });

  it('throws a retryable error when nothing could be read', async () => {
    const failed = Object.fromEntries(
      HOST_CALLS.map((c): [string, SystemInformationOutcome] => [c, { ok: false, error: 'boom' }]),
    );
    const probe = new HostProbe(
      ctx,
      { timeout_s: 5, include_virtual: false },
      {
        runSystemInformation: () => Promise.resolve(failed),
      },
    );
    const err: unknown = await probe.gather(new MemoryAccumulator(), signal()).catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_FAILED)).toBe(true);
    expect(isSkolnetError(err) && err.retryable).toBe(true);
  });

  it('does not start when already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('stopping');
    controller.abort(reason);
    await expect(
      hostProbeDefinition.create(ctx).gather(new MemoryAccumulator(), controller.signal),
    ).rejects.toBe(reason);
  });
});
