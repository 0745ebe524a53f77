import type { Fields } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import {
  runSystemInformation,
  type SystemInformationCall,
  type SystemInformationOutcome,
} from '../../system/run-system-information.js';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import type { HostOptions } from './host-options.js';

/** Measurement name of the host summary. */
export const HOST_MEASUREMENT = 'host';
/** Measurement name of one network interface, tagged `iface`. */
export const HOST_INTERFACE_MEASUREMENT = 'host_interface';

/** The systeminformation calls this probe makes. */
export const HOST_CALLS = ['osInfo', 'system', 'cpu', 'mem', 'networkInterfaces', 'battery', 'time'] as const;

/** What each of {@link HOST_CALLS} returned. */
export type HostInventory = Record<(typeof HOST_CALLS)[number], SystemInformationOutcome>;

/** The host summary and its interfaces, as measurements to add. */
export interface HostMeasurements {
  /** Fields of the `host` measurement. */
  host: Fields;
  /** One `host_interface` measurement per reported interface. */
  interfaces: { iface: string; fields: Fields }[];
  /** Calls that failed, as `name: reason`. */
  failures: string[];
}

// Placeholders firmware vendors leave in DMI fields; reporting them would
// only make the inventory look filled in.
const PLACEHOLDERS = new Set([
  '',
  '-',
  'default string',
  'to be filled by o.e.m.',
  'system product name',
  'unknown',
  'none',
]);

function record(outcome: SystemInformationOutcome | undefined): Record<string, unknown> | undefined {
  if (
    !outcome?.ok ||
    typeof outcome.value !== 'object' ||
    outcome.value === null ||
    Array.isArray(outcome.value)
  ) {
    return undefined;
  }
  return outcome.value as Record<string, unknown>;
}

function text(obj: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = obj?.[key];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return PLACEHOLDERS.has(t.toLowerCase()) ? undefined : t.slice(0, 256);
}

function positive(obj: Record<string, unknown> | undefined, key: string): number | undefined {
  const v = obj?.[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

function flag(obj: Record<string, unknown> | undefined, key: string): boolean | undefined {
  const v = obj?.[key];
  return typeof v === 'boolean' ? v : undefined;
}

/** Copies the defined entries only: a field is either known or absent, never null. */
function defined(entries: Record<string, string | number | boolean | undefined>): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * Maps systeminformation's answers to measurements. Pure, so recorded
 * answers replay in tests. Serial numbers, UUIDs, MAC and IP addresses are
 * never copied: they identify a device (often a pupil's laptop) and say
 * nothing about connectivity.
 */
export function hostMeasurements(
  inventory: HostInventory,
  options: Pick<HostOptions, 'include_virtual'>,
): HostMeasurements {
  const failures = Object.entries(inventory)
    .filter((entry): entry is [string, { ok: false; error: string }] => !entry[1].ok)
    .map(([name, outcome]) => `${name}: ${outcome.error}`);

  const os = record(inventory.osInfo);
  const system = record(inventory.system);
  const cpu = record(inventory.cpu);
  const mem = record(inventory.mem);
  const battery = record(inventory.battery);
  const time = record(inventory.time);
  const hasBattery = flag(battery, 'hasBattery');
  const uptime = positive(time, 'uptime');

  const host = defined({
    os_platform: text(os, 'platform'),
    os_distro: text(os, 'distro'),
    os_release: text(os, 'release'),
    os_kernel: text(os, 'kernel'),
    os_arch: text(os, 'arch'),
    hostname: text(os, 'hostname'),
    hw_manufacturer: text(system, 'manufacturer'),
    hw_model: text(system, 'model'),
    hw_virtual: flag(system, 'virtual'),
    cpu_manufacturer: text(cpu, 'manufacturer'),
    cpu_brand: text(cpu, 'brand'),
    cpu_cores: positive(cpu, 'cores'),
    cpu_physical_cores: positive(cpu, 'physicalCores'),
    cpu_speed_ghz: positive(cpu, 'speed'),
    mem_total_bytes: positive(mem, 'total'),
    uptime_s: uptime === undefined ? undefined : Math.round(uptime),
    has_battery: hasBattery,
    // systeminformation reports percent 0 when there is no battery; only a real one has a charge.
    battery_pct: hasBattery
      ? typeof battery?.percent === 'number'
        ? battery.percent
        : undefined
      : undefined,
    battery_charging: hasBattery ? flag(battery, 'isCharging') : undefined,
  });

  const interfaces: HostMeasurements['interfaces'] = [];
  const list = inventory.networkInterfaces.ok ? inventory.networkInterfaces.value : undefined;
  for (const item of Array.isArray(list) ? (list as unknown[]) : []) {
    if (typeof item !== 'object' || item === null) continue;
    const nic = item as Record<string, unknown>;
    const iface = text(nic, 'iface');
    // Loopback is internal and never leaves the machine.
    if (iface === undefined || nic.internal === true) continue;
    if (nic.virtual === true && !options.include_virtual) continue;
    const duplex = text(nic, 'duplex');
    interfaces.push({
      iface,
      fields: defined({
        type: text(nic, 'type'),
        operstate: text(nic, 'operstate'),
        // systeminformation gives -1 or null for an unknown speed (Wi-Fi, virtual NICs).
        speed_mbps: positive(nic, 'speed'),
        duplex,
        mtu_bytes: positive(nic, 'mtu'),
        is_default: flag(nic, 'default'),
        is_virtual: flag(nic, 'virtual'),
        dhcp: flag(nic, 'dhcp'),
      }),
    });
  }
  return { host, interfaces, failures };
}

/** Seams of {@link HostProbe} beyond the probe context, for tests. */
export interface HostProbeDeps {
  /** Runs systeminformation calls off the main thread. */
  runSystemInformation?: (
    calls: readonly SystemInformationCall[],
    options: { timeoutMs: number; signal: AbortSignal },
  ) => Promise<Record<string, SystemInformationOutcome>>;
}

/**
 * Inventory of the machine the agent runs on: operating system, hardware,
 * memory, network interfaces and battery. Tells planners what kind of
 * device took the other measurements (a pupil's laptop on Wi-Fi or a
 * server on gigabit copper) and keeps the school's equipment list current.
 */
export class HostProbe implements Probe {
  private readonly run: NonNullable<HostProbeDeps['runSystemInformation']>;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: HostOptions,
    deps: HostProbeDeps = {},
  ) {
    this.run = deps.runSystemInformation ?? runSystemInformation;
  }

  /**
   * Adds one `host` measurement and one `host_interface` per interface. A
   * call that fails (no battery API, say) is reported through `acc.error`
   * and the rest still counts.
   *
   * @throws SkolnetError `PROBE_FAILED` (retryable) when systeminformation
   *   does not answer at all; rejects with the signal's reason on abort.
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const outcomes = await this.run(HOST_CALLS, { timeoutMs: this.options.timeout_s * 1000, signal });
    const inventory = Object.fromEntries(
      HOST_CALLS.map((name) => [name, outcomes[name] ?? { ok: false, error: 'no answer' }]),
    ) as HostInventory;
    const { host, interfaces, failures } = hostMeasurements(inventory, this.options);
    // An issued laptop's hostname may name its pupil; it reports a pseudonym.
    if (this.ctx.hostLabel && typeof host.hostname === 'string')
      host.hostname = this.ctx.hostLabel(host.hostname);
    if (failures.length === HOST_CALLS.length) {
      throw new SkolnetError(ErrorCodes.PROBE_FAILED, `systeminformation failed: ${failures.join('; ')}`, {
        retryable: true,
      });
    }
    for (const failure of failures) {
      acc.error(
        new SkolnetError(ErrorCodes.PROBE_FAILED, `systeminformation ${failure}`, { retryable: true }),
      );
    }
    const at = this.ctx.now();
    acc.add(HOST_MEASUREMENT, host, {}, at);
    for (const { iface, fields } of interfaces) acc.add(HOST_INTERFACE_MEASUREMENT, fields, { iface }, at);
  }
}
