import type { Tags } from '@skolnet/shared/core';
import { ErrorCodes, describeError, isSkolnetError } from '@skolnet/shared/core';
import type { Accumulator, CommandRunner, Probe, ProbeContext } from '../probe.js';
import { parseIwDev, parseIwLink, parseIwScan } from './iw-output.js';
import { parseNetshInterfaces, parseNetshNetworks } from './netsh-output.js';
import { NMCLI_FIELDS, NMCLI_SCAN_ARGS, parseNmcliWifiList } from './nmcli-output.js';
import { parseSystemProfilerAirport } from './system-profiler-output.js';
import { linkFromNetwork, markConnected } from './wifi-import.js';
import { sampleMeasurements, type WifiSample } from './wifi-measurements.js';
import type { WifiLink, WifiNetwork } from './wifi-model.js';
import type { WifiOptions } from './wifi-options.js';

/**
 * Time limit of one scan command, in ms. An active scan visits every
 * channel (about 40 on 2.4 + 5 + 6 GHz, up to 100 ms each), and macOS
 * system_profiler takes several seconds on its own; 30 s stops a hung one.
 */
const SCAN_TIMEOUT_MS = 30_000;
/** Time limit of commands that only read state (`iw link`, `netsh … interfaces`), in ms. */
const READ_TIMEOUT_MS = 10_000;
/** Longest `error` text kept in a result, in characters: one line for a person, not a log. */
const MAX_ERROR_CHARS = 300;

/** Seams of {@link WifiProbe} beyond the probe context, for tests. */
export interface WifiProbeDeps {
  /** The platform whose commands to run; defaults to this host's. */
  platform?: NodeJS.Platform;
}

/** A sample without its tags, as a platform reader produces it. */
type Reading = Omit<WifiSample, 'tags'>;

const NO_READING = { links: [], disconnected: [], networks: [] } as const;

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  ).slice(0, MAX_ERROR_CHARS);
}

/**
 * The current Wi-Fi connection and the networks in range. Runs the
 * platform's own tools through the command runner and parses their output
 * here (Linux `iw`, falling back to `nmcli`; Windows `netsh wlan`; macOS
 * `system_profiler`). Everything it finds in one run shares one timestamp,
 * so the collector can group a scan back together. No Wi-Fi interface, a
 * scan that needs privileges or a missing tool is a `wifi_scan` result
 * saying so, never an exception; only an abort rejects.
 *
 * Why not systeminformation's wifiNetworks/wifiConnections: on Windows it
 * matches English, German and French netsh labels and returns nothing on
 * Latvian Windows; on Linux it reads the same iw/nmcli output with less
 * detail (no hidden SSIDs, no noise, no TKIP). The commands here run
 * through the asynchronous command runner, so nothing blocks the event loop.
 */
export class WifiProbe implements Probe {
  private readonly platform: NodeJS.Platform;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: WifiOptions,
    deps: WifiProbeDeps = {},
  ) {
    this.platform = deps.platform ?? process.platform;
  }

  /** Reads the connection, scans, and adds `wifi_link`, `wifi_network` and `wifi_scan` results. */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const at = this.ctx.now();
    let reading: Reading;
    try {
      reading = await this.read(signal);
    } catch (err) {
      signal.throwIfAborted();
      reading = {
        source: 'none',
        result: 'error',
        error: describeError(err).slice(0, MAX_ERROR_CHARS),
        ...NO_READING,
      };
    }
    const tags: Tags = {};
    if (this.options.room !== '') {
      tags.room = this.options.room;
      tags.room_use = this.options.room_use;
    }
    for (const m of sampleMeasurements({ ...reading, tags })) acc.add(m.measurement, m.fields, m.tags, at);
  }

  private read(signal: AbortSignal): Promise<Reading> {
    switch (this.platform) {
      case 'linux':
        return this.readLinux(signal);
      case 'win32':
        return this.readWindows(signal);
      case 'darwin':
        return this.readMac(signal);
      default:
        return Promise.resolve({
          source: 'none',
          result: 'unavailable',
          error: `Wi-Fi is not supported on ${this.platform}`,
          ...NO_READING,
        });
    }
  }

  private run(command: string, args: readonly string[], timeoutMs: number, signal: AbortSignal) {
    return this.ctx.runner.run(command, args, { timeoutMs, signal });
  }

  /** Runs a command; undefined when the program is not installed. */
  private async tryRun(
    command: string,
    args: readonly string[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<Awaited<ReturnType<CommandRunner['run']>> | undefined> {
    try {
      return await this.run(command, args, timeoutMs, signal);
    } catch (err) {
      signal.throwIfAborted();
      if (isSkolnetError(err, ErrorCodes.PROBE_UNAVAILABLE)) return undefined;
      throw err;
    }
  }

  private async readLinux(signal: AbortSignal): Promise<Reading> {
    const dev = await this.tryRun('iw', ['dev'], READ_TIMEOUT_MS, signal);
    if (!dev) return this.readNmcli(signal, 'iw is not installed');
    const ifaces = parseIwDev(dev.stdout).filter((i) => i.type === 'managed');
    if (ifaces.length === 0) {
      return {
        source: 'iw',
        result: 'no_interface',
        error: 'no Wi-Fi client interface (iw dev)',
        ...NO_READING,
      };
    }
    const links: WifiLink[] = [];
    const disconnected: string[] = [];
    for (const iface of ifaces) {
      const out = await this.run('iw', ['dev', iface.name, 'link'], READ_TIMEOUT_MS, signal);
      const link = parseIwLink(out.stdout, iface.name);
      if (link) links.push(link);
      else disconnected.push(iface.name);
    }
    if (!this.options.scan) return { source: 'iw', result: 'success', links, disconnected, networks: [] };
    // Scan on a connected interface when there is one: that is the radio a pupil's device would use.
    const scanIface = links[0]?.interface ?? ifaces[0]?.name ?? '';
    const scan = await this.run('iw', ['dev', scanIface, 'scan'], SCAN_TIMEOUT_MS, signal);
    if (scan.exitCode === 0) {
      const networks = parseIwScan(scan.stdout).networks;
      markConnected(networks, links);
      return { source: 'iw', result: 'success', links, disconnected, networks };
    }
    const why = firstLine(scan.stderr || scan.stdout);
    // nl80211 refuses a triggered scan without CAP_NET_ADMIN: "Operation not permitted (-1)".
    if (/not permitted|\(-1\)/i.test(why)) {
      const viaNm = await this.readNmcli(signal, `iw scan needs root (CAP_NET_ADMIN): ${why}`);
      if (viaNm.result === 'success')
        return { ...viaNm, links: links.length > 0 ? links : viaNm.links, disconnected };
      return {
        source: 'iw',
        result: 'needs_privileges',
        error: `scanning needs root (CAP_NET_ADMIN) and NetworkManager is not available: ${why}`,
        links,
        disconnected,
        networks: [],
      };
    }
    return {
      source: 'iw',
      result: 'error',
      error: `iw dev ${scanIface} scan failed: ${why}`,
      links,
      disconnected,
      networks: [],
    };
  }

  /** NetworkManager scans on behalf of unprivileged users, so nmcli lists networks without root. */
  private async readNmcli(signal: AbortSignal, whyNotIw: string): Promise<Reading> {
    const out = await this.tryRun('nmcli', NMCLI_SCAN_ARGS, SCAN_TIMEOUT_MS, signal);
    if (!out) {
      return {
        source: 'none',
        result: 'unavailable',
        error: `${whyNotIw}; nmcli is not installed either`,
        ...NO_READING,
      };
    }
    if (out.exitCode !== 0) {
      return {
        source: 'nmcli',
        result: 'error',
        error: `nmcli failed: ${firstLine(out.stderr || out.stdout)}`,
        ...NO_READING,
      };
    }
    const parsed = parseNmcliWifiList(out.stdout, NMCLI_FIELDS);
    // Rows that all failed to read are not "no networks in range".
    if (parsed.networks.length === 0 && parsed.skipped > 0) {
      return {
        source: 'nmcli',
        result: 'error',
        error: `could not read nmcli's network list (${parsed.skipped} rows not in the expected form)`,
        ...NO_READING,
      };
    }
    const networks = parsed.networks;
    const links = networks.filter((n) => n.connected).map(linkFromNetwork);
    return {
      source: 'nmcli',
      result: 'success',
      links,
      disconnected: [],
      networks: this.options.scan ? networks : [],
    };
  }

  private async readWindows(signal: AbortSignal): Promise<Reading> {
    const ifs = await this.tryRun('netsh', ['wlan', 'show', 'interfaces'], READ_TIMEOUT_MS, signal);
    if (!ifs)
      return { source: 'none', result: 'unavailable', error: 'netsh is not available', ...NO_READING };
    const interfaces = parseNetshInterfaces(ifs.stdout);
    if (interfaces.length === 0) {
      // netsh explains in the display language (no interface, WLAN service
      // stopped, location permission missing); its first line is passed on.
      const why = firstLine(ifs.stdout || ifs.stderr);
      return {
        source: 'netsh',
        result: ifs.exitCode === 0 ? 'no_interface' : 'unavailable',
        error: why || 'no Wi-Fi interface',
        ...NO_READING,
      };
    }
    const links = interfaces.flatMap((i) => (i.link ? [i.link] : []));
    const disconnected = interfaces.filter((i) => !i.link).map((i) => i.name);
    if (!this.options.scan) return { source: 'netsh', result: 'success', links, disconnected, networks: [] };
    const nets = await this.run('netsh', ['wlan', 'show', 'networks', 'mode=bssid'], SCAN_TIMEOUT_MS, signal);
    const parsed = parseNetshNetworks(nets.stdout);
    if (parsed.interfaces.length === 0 && parsed.networks.length === 0) {
      return {
        source: 'netsh',
        result: 'unavailable',
        error: firstLine(nets.stdout || nets.stderr) || `netsh exited with ${nets.exitCode ?? 'a signal'}`,
        links,
        disconnected,
        networks: [],
      };
    }
    markConnected(parsed.networks, links);
    return { source: 'netsh', result: 'success', links, disconnected, networks: parsed.networks };
  }

  private async readMac(signal: AbortSignal): Promise<Reading> {
    const out = await this.tryRun('system_profiler', ['SPAirPortDataType', '-json'], SCAN_TIMEOUT_MS, signal);
    if (!out)
      return {
        source: 'none',
        result: 'unavailable',
        error: 'system_profiler is not available',
        ...NO_READING,
      };
    let parsed: ReturnType<typeof parseSystemProfilerAirport>;
    try {
      parsed = parseSystemProfilerAirport(out.stdout);
    } catch (err) {
      return {
        source: 'system_profiler',
        result: 'error',
        error: `system_profiler printed no JSON: ${describeError(err)}`,
        ...NO_READING,
      };
    }
    if (parsed.interfaces.length === 0) {
      return {
        source: 'system_profiler',
        result: 'no_interface',
        error: 'no Wi-Fi interface',
        ...NO_READING,
      };
    }
    // Wi-Fi turned off in the menu bar: nothing can be measured until it is on.
    if (parsed.off.length === parsed.interfaces.length) {
      return {
        source: 'system_profiler',
        result: 'no_interface',
        error: `Wi-Fi is turned off (${parsed.off.join(', ')})`,
        ...NO_READING,
      };
    }
    const connected = new Set(parsed.links.map((l) => l.interface));
    const networks: WifiNetwork[] = this.options.scan ? parsed.networks : [];
    return {
      source: 'system_profiler',
      result: 'success',
      links: parsed.links,
      disconnected: parsed.interfaces.filter((i) => !connected.has(i)),
      networks,
    };
  }
}
