import type { Fields } from '@skolnet/shared/core';
import { describeError } from '@skolnet/shared/core';
import { defaultRouteCommand, parseDefaultGateway } from '../common/default-gateway.js';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import { IfTypes, SystemOids } from './snmp-oids.js';
import { GATEWAY_OFF, type SnmpCredential, type SnmpOptions } from './snmp-options.js';
import {
  createNetSnmpSession,
  SnmpRequestError,
  type SnmpSession,
  type SnmpSessionFactory,
} from './snmp-session.js';
import { expandTargets, type SnmpTarget } from './snmp-targets.js';
import {
  inventoryDevice,
  sampleCounters,
  type CounterSample,
  type DeviceInventory,
  type InterfaceInfo,
} from './snmp-inventory.js';
import { bitsPerSecond, COUNTER32_MODULUS, COUNTER64_MODULUS, counterDelta } from './snmp-values.js';

/** Measurement of one device. */
export const SNMP_DEVICE_MEASUREMENT = 'snmp_device';
/** Measurement of one interface. */
export const SNMP_INTERFACE_MEASUREMENT = 'snmp_interface';
/** Measurement of one LLDP neighbour. */
export const SNMP_NEIGHBOR_MEASUREMENT = 'snmp_neighbor';
/** Measurement summarising the school network: discovery, uplink, access points. */
export const SNMP_NETWORK_MEASUREMENT = 'snmp_network';

/** Time limit of the default-route lookup, in ms: it reads a kernel table. */
const ROUTE_LOOKUP_TIMEOUT_MS = 5_000;
/**
 * Devices inventoried at once. Inventory is many requests per device; a
 * school has a handful of managed devices, and 16 keeps a switch CPU from
 * seeing a burst from every walk at once.
 */
const INVENTORY_CONCURRENCY = 16;
/** Port speed at or below which an access point is starved, in Mbit/s: Wi-Fi 5 APs exceed 100 Mbit/s. */
const SLOW_AP_PORT_MBPS = 100;
/** Names that mark a WAN uplink in ifAlias/ifDescr/ifName. */
const UPLINK_NAME = /\b(?:wan|uplink|internet|isp|upstream)\d*\b/i;
/** IANAifTypes of access lines (DSL, cable, PPP, mobile) that are WAN by nature. */
const WAN_IF_TYPES: ReadonlySet<number> = new Set([
  IfTypes.ppp,
  IfTypes.adsl,
  IfTypes.vdsl,
  IfTypes.vdsl2,
  IfTypes.docsCableMaclayer,
  IfTypes.mobile,
]);

/** Seams of {@link SnmpProbe} beyond the probe context, for tests. */
export interface SnmpProbeDeps {
  /** Opens SNMP sessions; defaults to net-snmp. */
  createSession?: SnmpSessionFactory;
  /** Platform whose routing-table output to parse; defaults to this host's. */
  platform?: NodeJS.Platform;
  /** Waits between counter samples; injected so tests need not sleep. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A responder found by discovery and the credential that worked. */
interface Responder {
  target: SnmpTarget;
  credentialIndex: number;
}

/** Outcome of probing one host with the credentials. */
type Discovery = { ok: Responder } | { failed: 'timeout' | 'auth_failed' | 'error'; error?: string };

/** A named host that did not answer, or whose inventory failed: reported in target order. */
interface Failure {
  host: string;
  fields: Fields;
  at: Date;
}

/** A device whose inventory succeeded, with its open session for the second sample. */
interface Inventoried {
  host: string;
  credential: SnmpCredential;
  session: SnmpSession;
  inventory: DeviceInventory;
  durationMs: number;
  second?: CounterSample;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/**
 * SNMP discovery and inventory of the school's routers, switches and
 * access points: sweeps the targets, reads each responder's system group,
 * interfaces, ENTITY-MIB and LLDP neighbours, samples the octet counters
 * twice for utilisation and names the WAN uplink. Credentials never leave
 * the agent: results carry only the SNMP version that worked.
 */
export class SnmpProbe implements Probe {
  private readonly createSession: SnmpSessionFactory;
  private readonly platform: NodeJS.Platform;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Which credential answered for which host last time, tried first next time. */
  private readonly known = new Map<string, number>();

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: SnmpOptions,
    deps: SnmpProbeDeps = {},
  ) {
    this.createSession = deps.createSession ?? createNetSnmpSession;
    this.platform = deps.platform ?? process.platform;
    this.sleep = deps.sleep ?? defaultSleep;
  }

  /** The credential index that last worked for `host`, if any (for tests and logs; never the secret). */
  credentialIndexFor(host: string): number | undefined {
    return this.known.get(host);
  }

  /**
   * Sweeps, inventories and samples. Silent or refusing hosts are results;
   * only an abort rejects.
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const started = performance.now();
    const o = this.options;
    if (o.credentials.length === 0) {
      // Without credentials there is nothing to ask: send no packet at all.
      acc.add(
        SNMP_NETWORK_MEASUREMENT,
        { result: 'skipped', reason: 'no snmp.credentials configured (set them in the agent config file)' },
        {},
        this.ctx.now(),
      );
      return;
    }
    const extra: string[] = [];
    let gatewayNote: string | undefined;
    if (o.gateway === '') {
      const gw = await this.discoverGateway(signal);
      if ('address' in gw) extra.push(gw.address);
      else gatewayNote = gw.error;
    } else if (o.gateway !== GATEWAY_OFF) {
      extra.push(o.gateway);
    }
    const targets = expandTargets(o.targets, o.max_targets, extra);
    if (targets.length === 0) {
      const fields: Fields = {
        result: 'skipped',
        reason: 'no snmp.targets configured and no default gateway',
      };
      if (gatewayNote) fields.gateway_error = gatewayNote;
      acc.add(SNMP_NETWORK_MEASUREMENT, fields, {}, this.ctx.now());
      return;
    }
    // Say what the sweep waits for: a silent host (often the gateway, which
    // many routers keep closed to SNMP) costs the timeout times the tries.
    const silentS = round((o.discovery_timeout_ms * (o.discovery_retries + 1)) / 1000, 1);
    const configured = new Set(expandTargets(o.targets, o.max_targets).map((t) => t.host));
    const gatewayOnly = extra.filter((h) => !configured.has(h));
    const gateways =
      gatewayOnly.length > 0
        ? ` and the ${o.gateway === '' ? 'default ' : ''}gateway ${gatewayOnly.join(', ')}`
        : '';
    this.ctx.progress?.(
      `sweeping ${configured.size} configured address${configured.size === 1 ? '' : 'es'}${gateways}; ` +
        `a silent one is given up after ${silentS} s`,
    );

    const discoveries = await mapLimit(targets, o.concurrency, (t) => this.discover(t, signal));
    const discoveryMs = performance.now() - started;
    signal.throwIfAborted();
    const responders: Responder[] = [];
    // Devices are reported in target order (configured targets, then the
    // gateway) whatever order their answers came in, so the first
    // snmp_device of a run is the first device the user named.
    const failed: Failure[] = [];
    for (const [i, d] of discoveries.entries()) {
      const target = targets[i];
      if (!target) continue;
      if ('ok' in d) {
        responders.push(d.ok);
        this.known.set(target.host, d.ok.credentialIndex);
      } else if (target.explicit) {
        const fields: Fields = { result: d.failed };
        if (d.error) fields.error = d.error;
        failed.push({ host: target.host, fields, at: this.ctx.now() });
      }
    }
    const silent =
      failed.length > 0 ? `, ${failed.length} named host${failed.length === 1 ? '' : 's'} did not` : '';
    this.ctx.progress?.(
      responders.length === 0
        ? `no device answered${silent}`
        : `${responders.length} device${responders.length === 1 ? '' : 's'} answered${silent}; reading inventory`,
    );

    const done: Inventoried[] = [];
    try {
      await mapLimit(responders, INVENTORY_CONCURRENCY, async (r) => {
        const credential = o.credentials[r.credentialIndex];
        if (!credential) return;
        const session = this.open(r.target.host, credential, false);
        const t0 = performance.now();
        try {
          const inventory = await inventoryDevice(session, this.limits(signal));
          done.push({
            host: r.target.host,
            credential,
            session,
            inventory,
            durationMs: performance.now() - t0,
          });
        } catch (err) {
          session.close();
          signal.throwIfAborted();
          const reason = err instanceof SnmpRequestError && err.reason === 'timeout' ? 'timeout' : 'error';
          failed.push({
            host: r.target.host,
            fields: { result: reason, error: describeError(err) },
            at: this.ctx.now(),
          });
        }
      });
      if (o.sample_interval_s > 0 && done.length > 0) {
        this.ctx.progress?.(
          `waiting ${o.sample_interval_s} s between two traffic-counter samples for bit rates (snmp.sample_interval_s; 0 skips them)`,
        );
        await this.sleep(o.sample_interval_s * 1000, signal);
        await Promise.all(
          done.map(async (d) => {
            try {
              d.second = await sampleCounters(d.session, d.inventory.counters.hc, this.limits(signal));
            } catch {
              signal.throwIfAborted();
              // No second sample: the device's rates stay unreported.
            }
          }),
        );
      }
    } finally {
      for (const d of done) d.session.close();
    }
    const order = new Map(targets.map((t, i) => [t.host, i]));
    const rank = (host: string): number => order.get(host) ?? targets.length;
    done.sort((a, b) => rank(a.host) - rank(b.host));
    failed.sort((a, b) => rank(a.host) - rank(b.host));
    this.report(acc, done, failed, rank, {
      swept: targets.length,
      responders: responders.length,
      discoveryMs,
      gatewayNote,
    });
  }

  private limits(signal: AbortSignal): {
    maxRepetitions: number;
    maxRows: number;
    deadline: number;
    signal: AbortSignal;
  } {
    return {
      maxRepetitions: this.options.max_repetitions,
      maxRows: this.options.max_rows,
      deadline: performance.now() + this.options.walk_timeout_s * 1000,
      signal,
    };
  }

  private open(host: string, credential: SnmpCredential, discovery: boolean): SnmpSession {
    const o = this.options;
    return this.createSession(host, credential, {
      port: o.port,
      timeoutMs: discovery ? o.discovery_timeout_ms : o.timeout_ms,
      retries: discovery ? o.discovery_retries : o.retries,
    });
  }

  /** One GET of sysObjectID with one credential; the session is always closed. */
  private async tryCredential(host: string, index: number): Promise<Discovery> {
    const credential = this.options.credentials[index];
    if (!credential) return { failed: 'error', error: 'no such credential' };
    const session = this.open(host, credential, true);
    try {
      const [vb] = await session.get([SystemOids.sysObjectID]);
      if (!vb || vb.value.kind === 'null') return { failed: 'error', error: 'malformed response' };
      return { ok: { target: { host, explicit: true }, credentialIndex: index } };
    } catch (err) {
      if (err instanceof SnmpRequestError) {
        if (err.reason === 'timeout') return { failed: 'timeout' };
        if (err.reason === 'auth') return { failed: 'auth_failed', error: describeError(err) };
      }
      return { failed: 'error', error: describeError(err) };
    } finally {
      session.close();
    }
  }

  /**
   * Finds a working credential for `target`. The one that worked last time
   * goes first; otherwise all are tried at once (a wrong v2c community is
   * silence, so trying them one after another would cost a timeout each)
   * and the first in the configured order that answered wins.
   */
  private async discover(target: SnmpTarget, signal: AbortSignal): Promise<Discovery> {
    if (signal.aborted) return { failed: 'error', error: 'aborted' };
    const remembered = this.known.get(target.host);
    if (remembered !== undefined) {
      const r = await this.tryCredential(target.host, remembered);
      if ('ok' in r) return { ok: { target, credentialIndex: remembered } };
    }
    const results = await Promise.all(
      this.options.credentials.map((_, i) => this.tryCredential(target.host, i)),
    );
    const index = results.findIndex((r) => 'ok' in r);
    if (index >= 0) return { ok: { target, credentialIndex: index } };
    // Report the most telling failure: a refusal says more than silence.
    const failures = results.filter((r): r is Extract<Discovery, { failed: unknown }> => 'failed' in r);
    return (
      failures.find((f) => f.failed === 'auth_failed') ??
      failures.find((f) => f.failed === 'error') ??
      failures[0] ?? { failed: 'timeout' }
    );
  }

  private async discoverGateway(signal: AbortSignal): Promise<{ address: string } | { error: string }> {
    const lookup = defaultRouteCommand(this.platform);
    if (!lookup) return { error: `default gateway discovery is not implemented on ${this.platform}` };
    try {
      const out = await this.ctx.runner.run(lookup.command, lookup.args, {
        timeoutMs: ROUTE_LOOKUP_TIMEOUT_MS,
        signal,
      });
      if (out.exitCode !== 0)
        return { error: `${lookup.command} failed with exit code ${out.exitCode ?? 'none'}` };
      const gw = parseDefaultGateway(this.platform, out.stdout);
      return gw ? { address: gw.address } : { error: 'no default gateway in the routing table' };
    } catch (err) {
      signal.throwIfAborted();
      return { error: `cannot read the routing table: ${describeError(err)}` };
    }
  }

  /** The WAN uplink of a device, with how it was recognised. */
  private uplinkOf(d: Inventoried): { iface: InterfaceInfo; reason: string } | undefined {
    const ifs = d.inventory.interfaces;
    const configured = this.options.uplink;
    if (configured !== '') {
      const slash = configured.lastIndexOf('/');
      const host = slash > 0 ? configured.slice(0, slash) : undefined;
      const name = slash > 0 ? configured.slice(slash + 1) : configured;
      if (host === undefined || host === d.host || host === d.inventory.sysName) {
        const iface = ifs.find((i) => i.name === name || i.descr === name || i.alias === name);
        if (iface) return { iface, reason: 'config' };
      }
      return undefined;
    }
    // Only a router's default route leads to the internet; a switch's
    // points at its management VLAN.
    if (d.inventory.role !== 'router') return undefined;
    const byRoute = ifs.find((i) => i.ifIndex === d.inventory.defaultRouteIfIndex);
    if (byRoute) return { iface: byRoute, reason: 'route' };
    const byName = ifs.find((i) => UPLINK_NAME.test(i.alias ?? '') || UPLINK_NAME.test(i.name));
    if (byName) return { iface: byName, reason: 'alias' };
    const byType = ifs.find((i) => i.type !== undefined && WAN_IF_TYPES.has(i.type) && i.operStatus === 'up');
    if (byType) return { iface: byType, reason: 'if_type' };
    return undefined;
  }

  /** bps in and out of an interface between the two samples, when both are valid. */
  private rates(d: Inventoried, iface: InterfaceInfo): { inBps?: number; outBps?: number } {
    const a = d.inventory.counters;
    const b = d.second;
    if (!b || a.hc !== b.hc) return {};
    // sysUpTime going backwards means the device rebooted: counters restarted.
    if (a.uptimeCs !== undefined && b.uptimeCs !== undefined && b.uptimeCs < a.uptimeCs) return {};
    const ms = b.at - a.at;
    const modulus = a.hc ? COUNTER64_MODULUS : COUNTER32_MODULUS;
    const maxOctets =
      iface.speedMbps !== undefined && iface.speedMbps > 0
        ? BigInt(Math.ceil((iface.speedMbps * 1e6 * ms) / 8000))
        : undefined;
    const out: { inBps?: number; outBps?: number } = {};
    for (const [key, before, after] of [
      ['inBps', a.in.get(iface.ifIndex), b.in.get(iface.ifIndex)],
      ['outBps', a.out.get(iface.ifIndex), b.out.get(iface.ifIndex)],
    ] as const) {
      if (before === undefined || after === undefined) continue;
      const delta = counterDelta(before, after, modulus, maxOctets);
      const bps = delta === undefined ? undefined : bitsPerSecond(delta, ms);
      if (bps !== undefined) out[key] = bps;
    }
    return out;
  }

  private report(
    acc: Accumulator,
    done: readonly Inventoried[],
    failed: readonly Failure[],
    rank: (host: string) => number,
    sweep: { swept: number; responders: number; discoveryMs: number; gatewayNote: string | undefined },
  ): void {
    const now = this.ctx.now();
    const apNames = new Set(
      done
        .filter((d) => d.inventory.role === 'access_point')
        .flatMap((d) => [d.inventory.sysName ?? '', d.host]),
    );
    let uplink:
      { host: string; iface: InterfaceInfo; reason: string; inBps?: number; outBps?: number } | undefined;
    let slowApPorts = 0;
    const generations = new Map<string, number>();
    const roles = { router: 0, switch: 0, access_point: 0, other: 0 };

    let nextFailed = 0;
    const reportFailedBefore = (limit: number): void => {
      for (let f = failed[nextFailed]; f && rank(f.host) < limit; f = failed[++nextFailed])
        acc.add(SNMP_DEVICE_MEASUREMENT, f.fields, { host: f.host }, f.at);
    };
    for (const d of done) {
      reportFailedBefore(rank(d.host));
      const inv = d.inventory;
      roles[inv.role]++;
      if (inv.wifiGeneration)
        generations.set(inv.wifiGeneration, (generations.get(inv.wifiGeneration) ?? 0) + 1);
      const up = this.uplinkOf(d);
      const device: Fields = {
        result: inv.truncated.length > 0 ? 'partial' : 'ok',
        snmp_version: d.credential.version,
        vendor: inv.vendor,
        os: inv.os,
        role: inv.role,
        if_count: inv.interfaces.length,
        lldp_neighbor_count: inv.neighbors.length,
        inventory_ms: Math.round(d.durationMs),
        requests: inv.requests,
      };
      const optional: [string, string | number | undefined][] = [
        ['sys_name', inv.sysName],
        ['sys_descr', inv.sysDescr],
        ['sys_object_id', inv.sysObjectId],
        ['sys_location', inv.sysLocation],
        ['uptime_s', inv.uptimeS],
        ['model', inv.model],
        ['serial', inv.serial],
        ['software_version', inv.softwareVersion],
        ['wifi_generation', inv.wifiGeneration],
        ['truncated', inv.truncated.length > 0 ? inv.truncated.join(',') : undefined],
      ];
      for (const [k, v] of optional) if (v !== undefined) device[k] = v;
      if (inv.ipForwarding !== undefined) device.ip_forwarding = inv.ipForwarding;
      acc.add(SNMP_DEVICE_MEASUREMENT, device, { host: d.host }, now);

      const speedByIndex = new Map(inv.interfaces.map((i) => [i.ifIndex, i.speedMbps]));
      for (const iface of inv.interfaces) {
        const f: Fields = { if_index: Number(iface.ifIndex) };
        const pairs: [string, string | number | undefined][] = [
          ['if_descr', iface.descr],
          ['if_alias', iface.alias],
          ['if_type', iface.type],
          ['speed_mbps', iface.speedMbps],
          ['admin_status', iface.adminStatus],
          ['oper_status', iface.operStatus],
          ['mtu', iface.mtu],
          ['mac', iface.mac],
          ['in_errors', iface.inErrors],
          ['out_errors', iface.outErrors],
          ['in_discards', iface.inDiscards],
          ['out_discards', iface.outDiscards],
        ];
        for (const [k, v] of pairs) if (v !== undefined) f[k] = v;
        const { inBps, outBps } = this.rates(d, iface);
        if (inBps !== undefined) f.in_bps = inBps;
        if (outBps !== undefined) f.out_bps = outBps;
        if (iface.speedMbps !== undefined && iface.speedMbps > 0) {
          if (inBps !== undefined) f.in_util_pct = round((inBps / (iface.speedMbps * 1e6)) * 100, 2);
          if (outBps !== undefined) f.out_util_pct = round((outBps / (iface.speedMbps * 1e6)) * 100, 2);
        }
        const isUplink = up?.iface === iface;
        f.is_uplink = isUplink;
        if (isUplink && up) {
          f.uplink_reason = up.reason;
          uplink ??= {
            host: d.host,
            iface,
            reason: up.reason,
            ...(inBps !== undefined ? { inBps } : {}),
            ...(outBps !== undefined ? { outBps } : {}),
          };
        }
        acc.add(SNMP_INTERFACE_MEASUREMENT, f, { host: d.host, if_name: iface.name }, now);
      }

      for (const n of inv.neighbors) {
        const f: Fields = {};
        const pairs: [string, string | undefined][] = [
          ['remote_sys_name', n.remoteSysName],
          ['remote_chassis_id', n.remoteChassisId],
          ['remote_port_id', n.remotePortId],
          ['remote_port_desc', n.remotePortDesc],
          ['remote_role', n.remoteRole],
        ];
        for (const [k, v] of pairs) if (v !== undefined) f[k] = v;
        const speed = n.localIfIndex === undefined ? undefined : speedByIndex.get(n.localIfIndex);
        if (speed !== undefined) f.local_speed_mbps = speed;
        const feedsAp =
          n.remoteRole === 'access_point' || (n.remoteSysName !== undefined && apNames.has(n.remoteSysName));
        f.feeds_access_point = feedsAp;
        if (feedsAp && speed !== undefined && speed > 0 && speed <= SLOW_AP_PORT_MBPS) slowApPorts++;
        acc.add(
          SNMP_NEIGHBOR_MEASUREMENT,
          f,
          {
            host: d.host,
            local_port: n.localPort,
            remote: n.remoteSysName ?? n.remoteChassisId ?? 'unknown',
          },
          now,
        );
      }
    }
    reportFailedBefore(Infinity);

    const net: Fields = {
      result: 'ok',
      hosts_swept: sweep.swept,
      responders_count: sweep.responders,
      devices_count: done.length,
      routers_count: roles.router,
      switches_count: roles.switch,
      access_points_count: roles.access_point,
      ap_ports_100m_count: slowApPorts,
      discovery_ms: Math.round(sweep.discoveryMs),
    };
    if (generations.size > 0)
      net.ap_generations = [...generations]
        .map(([g, n]) => `${g}:${n}`)
        .sort()
        .join(',');
    if (sweep.gatewayNote) net.gateway_error = sweep.gatewayNote;
    if (this.options.line_mbps > 0) net.line_mbps = this.options.line_mbps;
    if (uplink) {
      net.uplink_host = uplink.host;
      net.uplink_if_name = uplink.iface.name;
      net.uplink_reason = uplink.reason;
      const speed = uplink.iface.speedMbps;
      if (speed !== undefined) net.uplink_speed_mbps = speed;
      if (uplink.inBps !== undefined) net.uplink_in_bps = uplink.inBps;
      if (uplink.outBps !== undefined) net.uplink_out_bps = uplink.outBps;
      // Utilisation against the contracted line when known (the port is
      // often faster than the line behind it), else against the port speed.
      const capacityMbps = this.options.line_mbps > 0 ? this.options.line_mbps : speed;
      if (capacityMbps !== undefined && capacityMbps > 0) {
        if (uplink.inBps !== undefined)
          net.uplink_in_util_pct = round((uplink.inBps / (capacityMbps * 1e6)) * 100, 2);
        if (uplink.outBps !== undefined)
          net.uplink_out_util_pct = round((uplink.outBps / (capacityMbps * 1e6)) * 100, 2);
      }
      if (speed !== undefined && speed > 0 && this.options.line_mbps > 0)
        net.uplink_speed_vs_line_ratio = round(speed / this.options.line_mbps, 3);
    }
    acc.add(SNMP_NETWORK_MEASUREMENT, net, {}, now);
  }
}
