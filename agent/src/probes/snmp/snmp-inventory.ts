import {
  chassisIdentity,
  fullerModel,
  modelFromChassisDescr,
  versionFromChassisDescr,
} from './snmp-identity.js';
import {
  Dot11Columns,
  EntPhysicalColumns,
  INET_CIDR_ROUTE_DEFAULT_IFINDEX,
  IP_FORWARDING,
  IP_ROUTE_DEFAULT_IFINDEX,
  IfTableColumns,
  IfTypes,
  IfXTableColumns,
  LldpCapabilityMask,
  LldpLocColumns,
  LldpRemColumns,
  SystemOids,
  VendorIdentityOids,
} from './snmp-oids.js';
import type { SnmpSession, SnmpValue } from './snmp-session.js';
import { asCounter, asInt, asMac, asOid, asText, asTextLines } from './snmp-values.js';
import { walkColumns, type WalkLimits, type WalkResult } from './snmp-walker.js';
import {
  classifyDevice,
  normalizeIdentity,
  refineWithModel,
  roleFromText,
  wifiGeneration,
  type DeviceRole,
} from './vendor-classifier.js';

/** One interface of a device. */
export interface InterfaceInfo {
  ifIndex: string;
  name: string;
  descr?: string;
  alias?: string;
  type?: number;
  speedMbps?: number;
  adminStatus?: string;
  operStatus?: string;
  mtu?: number;
  mac?: string;
  inErrors?: number;
  outErrors?: number;
  inDiscards?: number;
  outDiscards?: number;
}

/** One LLDP neighbour seen on a local port. */
export interface NeighborInfo {
  localPort: string;
  localIfIndex?: string;
  remoteSysName?: string;
  remoteChassisId?: string;
  remotePortId?: string;
  remotePortDesc?: string;
  remoteRole?: DeviceRole;
}

/** Octet counters of every interface at one moment. */
export interface CounterSample {
  /** `performance.now()` when the sample's response arrived, in ms. */
  at: number;
  /** sysUpTime at the sample, in hundredths of a second; a decrease means a reboot. */
  uptimeCs?: number;
  /** True when the counters are 64-bit (ifHC*), false for the Counter32 fallback. */
  hc: boolean;
  in: Map<string, bigint>;
  out: Map<string, bigint>;
}

/** What one device's inventory found. */
export interface DeviceInventory {
  sysName?: string;
  sysDescr?: string;
  sysObjectId?: string;
  sysLocation?: string;
  uptimeS?: number;
  vendor: string;
  os: string;
  model?: string;
  serial?: string;
  softwareVersion?: string;
  role: DeviceRole;
  wifiGeneration?: string;
  ipForwarding?: boolean;
  defaultRouteIfIndex?: string;
  interfaces: InterfaceInfo[];
  neighbors: NeighborInfo[];
  counters: CounterSample;
  /** Walks that stopped early, with why (`if:timeout`). */
  truncated: string[];
  /** Requests sent. */
  requests: number;
}

/** RFC 2863 ifAdminStatus/ifOperStatus values. */
const IF_STATUS: readonly string[] = [
  '',
  'up',
  'down',
  'testing',
  'unknown',
  'dormant',
  'notPresent',
  'lowerLayerDown',
];

const IF_COLUMNS = [
  IfTableColumns.ifDescr,
  IfTableColumns.ifType,
  IfTableColumns.ifMtu,
  IfTableColumns.ifSpeed,
  IfTableColumns.ifPhysAddress,
  IfTableColumns.ifAdminStatus,
  IfTableColumns.ifOperStatus,
  IfTableColumns.ifInOctets,
  IfTableColumns.ifInDiscards,
  IfTableColumns.ifInErrors,
  IfTableColumns.ifOutOctets,
  IfTableColumns.ifOutDiscards,
  IfTableColumns.ifOutErrors,
  IfXTableColumns.ifName,
  IfXTableColumns.ifHCInOctets,
  IfXTableColumns.ifHCOutOctets,
  IfXTableColumns.ifHighSpeed,
  IfXTableColumns.ifAlias,
];

const ENT_COLUMNS = Object.values(EntPhysicalColumns);
const LLDP_COLUMNS = [...Object.values(LldpRemColumns), ...Object.values(LldpLocColumns)];

/** Rows read from the IEEE 802.11 MIB's resource table: one per radio, and a device has a few. */
const DOT11_MAX_ROWS = 8;

/** Largest value of ifSpeed (Gauge32): beyond it ifHighSpeed must be read (RFC 2863). */
const IF_SPEED_MAX = 4_294_967_295;

function col(walk: WalkResult, root: string): Map<string, SnmpValue> {
  return walk.columns.get(root) ?? new Map<string, SnmpValue>();
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

/** Reads the system group; resolves `undefined` fields for what the device lacks. */
async function readSystem(session: SnmpSession): Promise<Map<string, SnmpValue>> {
  const varbinds = await session.get(Object.values(SystemOids));
  return new Map(varbinds.map((vb) => [vb.oid, vb.value]));
}

/** GET that never rejects: a device without the object, or one that errors, gives an empty map. */
async function tryGet(session: SnmpSession, oids: readonly string[]): Promise<Map<string, SnmpValue>> {
  try {
    const varbinds = await session.get(oids);
    return new Map(varbinds.map((vb) => [vb.oid, vb.value]));
  } catch {
    return new Map();
  }
}

/** Largest InterfaceIndex (RFC 2863 §6: 1..2147483647). */
const MAX_IF_INDEX = 2_147_483_647;

/**
 * True when a row index is one InterfaceIndex. A broken agent can answer
 * rows under a multi-part or zero index; such a row names no interface
 * (its `if_index` would be NaN), so it is left out.
 */
function isInterfaceIndex(index: string): boolean {
  return /^[1-9]\d{0,9}$/.test(index) && Number(index) <= MAX_IF_INDEX;
}

function interfacesFrom(walk: WalkResult): InterfaceInfo[] {
  const indexes = new Set<string>();
  for (const root of [IfTableColumns.ifDescr, IfTableColumns.ifType, IfXTableColumns.ifName]) {
    for (const index of col(walk, root).keys()) if (isInterfaceIndex(index)) indexes.add(index);
  }
  const out: InterfaceInfo[] = [];
  for (const ix of [...indexes].sort((a, b) => Number(a) - Number(b))) {
    const get = (root: string): SnmpValue | undefined => col(walk, root).get(ix);
    const descr = nonEmpty(asText(get(IfTableColumns.ifDescr)));
    const name = nonEmpty(asText(get(IfXTableColumns.ifName))) ?? descr ?? `if${ix}`;
    const info: InterfaceInfo = { ifIndex: ix, name };
    if (descr !== undefined) info.descr = descr;
    const alias = nonEmpty(asText(get(IfXTableColumns.ifAlias)));
    if (alias !== undefined) info.alias = alias;
    const type = asInt(get(IfTableColumns.ifType));
    if (type !== undefined) info.type = type;
    // ifHighSpeed is in Mbit/s and the only source beyond 4.29 Gbit/s;
    // ifSpeed (bit/s) is the fallback for agents without ifXTable.
    const high = asInt(get(IfXTableColumns.ifHighSpeed));
    const speed = asInt(get(IfTableColumns.ifSpeed));
    if (high !== undefined && (high > 0 || speed === undefined || speed === 0)) info.speedMbps = high;
    else if (speed !== undefined && speed < IF_SPEED_MAX) info.speedMbps = speed / 1e6;
    else if (high !== undefined) info.speedMbps = high;
    const admin = asInt(get(IfTableColumns.ifAdminStatus));
    if (admin !== undefined) info.adminStatus = IF_STATUS[admin] ?? String(admin);
    const oper = asInt(get(IfTableColumns.ifOperStatus));
    if (oper !== undefined) info.operStatus = IF_STATUS[oper] ?? String(oper);
    const mtu = asInt(get(IfTableColumns.ifMtu));
    if (mtu !== undefined) info.mtu = mtu;
    const mac = asMac(get(IfTableColumns.ifPhysAddress));
    if (mac !== undefined) info.mac = mac;
    const counters: [keyof InterfaceInfo, string][] = [
      ['inErrors', IfTableColumns.ifInErrors],
      ['outErrors', IfTableColumns.ifOutErrors],
      ['inDiscards', IfTableColumns.ifInDiscards],
      ['outDiscards', IfTableColumns.ifOutDiscards],
    ];
    for (const [key, root] of counters) {
      const v = asInt(get(root));
      if (v !== undefined) (info as unknown as Record<string, number>)[key] = v;
    }
    out.push(info);
  }
  return out;
}

/** Counter values of one sample from walked columns: ifHC* when present, else the 32-bit ones. */
export function countersFrom(walk: WalkResult, at: number, uptimeCs: number | undefined): CounterSample {
  const read = (root: string): Map<string, bigint> => {
    const out = new Map<string, bigint>();
    for (const [ix, v] of col(walk, root)) {
      const c = asCounter(v);
      if (c !== undefined) out.set(ix, c);
    }
    return out;
  };
  const hcIn = read(IfXTableColumns.ifHCInOctets);
  const hcOut = read(IfXTableColumns.ifHCOutOctets);
  const sample: CounterSample =
    hcIn.size > 0 || hcOut.size > 0
      ? { at, hc: true, in: hcIn, out: hcOut }
      : { at, hc: false, in: read(IfTableColumns.ifInOctets), out: read(IfTableColumns.ifOutOctets) };
  if (uptimeCs !== undefined) sample.uptimeCs = uptimeCs;
  return sample;
}

function formatId(v: SnmpValue | undefined): string | undefined {
  return asMac(v) ?? nonEmpty(asText(v));
}

function neighborsFrom(walk: WalkResult, interfaces: readonly InterfaceInfo[]): NeighborInfo[] {
  const locId = col(walk, LldpLocColumns.lldpLocPortId);
  const locDesc = col(walk, LldpLocColumns.lldpLocPortDesc);
  const byName = new Map<string, InterfaceInfo>();
  for (const i of interfaces) {
    for (const n of [i.name, i.descr, i.alias]) if (n !== undefined && !byName.has(n)) byName.set(n, i);
  }
  const byIndex = new Map(interfaces.map((i) => [i.ifIndex, i]));
  const out: NeighborInfo[] = [];
  // lldpRemTable index: timeMark.localPortNum.remIndex (IEEE 802.1AB).
  const rows = new Set<string>();
  for (const root of [
    LldpRemColumns.lldpRemChassisId,
    LldpRemColumns.lldpRemSysName,
    LldpRemColumns.lldpRemPortId,
  ]) {
    for (const ix of col(walk, root).keys()) rows.add(ix);
  }
  for (const ix of rows) {
    const parts = ix.split('.');
    if (parts.length < 3) continue;
    const localNum = parts[1] ?? '';
    const get = (root: string): SnmpValue | undefined => col(walk, root).get(ix);
    // localPortNum is often the ifIndex but need not be: match the local
    // port's id or description to an interface name first.
    const locName = nonEmpty(asText(locId.get(localNum))) ?? nonEmpty(asText(locDesc.get(localNum)));
    const iface =
      (locName !== undefined ? byName.get(locName) : undefined) ??
      byName.get(nonEmpty(asText(locDesc.get(localNum))) ?? '\0') ??
      byIndex.get(localNum);
    const n: NeighborInfo = { localPort: iface?.name ?? locName ?? `port${localNum}` };
    if (iface) n.localIfIndex = iface.ifIndex;
    const sysName = nonEmpty(asText(get(LldpRemColumns.lldpRemSysName)));
    if (sysName !== undefined) n.remoteSysName = sysName;
    const chassis = formatId(get(LldpRemColumns.lldpRemChassisId));
    if (chassis !== undefined) n.remoteChassisId = chassis;
    const portId = formatId(get(LldpRemColumns.lldpRemPortId));
    if (portId !== undefined) n.remotePortId = portId;
    const portDesc = nonEmpty(asText(get(LldpRemColumns.lldpRemPortDesc)));
    if (portDesc !== undefined) n.remotePortDesc = portDesc;
    const caps = get(LldpRemColumns.lldpRemSysCapEnabled);
    if (caps?.kind === 'octets' && caps.value.length > 0) {
      const b = caps.value[0] ?? 0;
      n.remoteRole =
        b & LldpCapabilityMask.wlanAccessPoint
          ? 'access_point'
          : b & LldpCapabilityMask.router
            ? 'router'
            : b & LldpCapabilityMask.bridge
              ? 'switch'
              : 'other';
    }
    out.push(n);
  }
  return out;
}

/** Role from everything known: the classifier's verdict first, then interfaces and services. */
function decideRole(
  classified: DeviceRole | undefined,
  model: string | undefined,
  interfaces: readonly InterfaceInfo[],
  sysServices: number | undefined,
  ipForwarding: boolean | undefined,
): DeviceRole {
  if (classified) return classified;
  const fromModel = model === undefined ? undefined : roleFromText(model);
  if (fromModel) return fromModel;
  const radios = interfaces.filter((i) => i.type === IfTypes.ieee80211).length;
  const ethernet = interfaces.filter((i) => i.type === IfTypes.ethernetCsmacd).length;
  if (radios > 0 && ipForwarding !== true) return 'access_point';
  // sysServices (RFC 3418): 0x04 internet layer (routing), 0x02 datalink (bridging).
  if (ipForwarding === true && sysServices !== undefined && sysServices & 0x04) return 'router';
  if (sysServices !== undefined && sysServices & 0x02 && ethernet >= 4) return 'switch';
  if (ethernet >= 8 && ipForwarding !== true) return 'switch';
  return 'other';
}

/**
 * Reads everything the probe reports about one device: system group,
 * interfaces with counters, ENTITY-MIB, LLDP and the default route. The
 * walks run concurrently on one session (one socket); each is bounded by
 * `limits`, and a walk that stops early leaves a note in `truncated`.
 *
 * @throws SnmpRequestError when even the system group cannot be read
 */
export async function inventoryDevice(session: SnmpSession, limits: WalkLimits): Promise<DeviceInventory> {
  const routeLimits: WalkLimits = { ...limits, maxRows: 16, maxRepetitions: 4 };
  const [system, extra, ifWalk, entWalk, lldpWalk, routeWalk] = await Promise.all([
    readSystem(session),
    tryGet(session, [IP_FORWARDING, IP_ROUTE_DEFAULT_IFINDEX]),
    walkColumns(session, IF_COLUMNS, limits),
    walkColumns(session, ENT_COLUMNS, limits),
    walkColumns(session, LLDP_COLUMNS, limits),
    walkColumns(session, [INET_CIDR_ROUTE_DEFAULT_IFINDEX], routeLimits),
  ]);
  const sampledAt = performance.now();
  const truncated: string[] = [];
  for (const [name, w] of [
    ['if', ifWalk],
    ['entity', entWalk],
    ['lldp', lldpWalk],
  ] as const) {
    if (w.truncated) truncated.push(`${name}:${w.truncated}`);
  }
  const sysDescr = nonEmpty(asText(system.get(SystemOids.sysDescr)));
  const sysObjectId = asOid(system.get(SystemOids.sysObjectID));
  const uptimeCs = asInt(system.get(SystemOids.sysUpTime));
  const sysServices = asInt(system.get(SystemOids.sysServices));
  const forwarding = asInt(extra.get(IP_FORWARDING));
  let classification = classifyDevice(sysObjectId ?? '', asTextLines(system.get(SystemOids.sysDescr)) ?? '');
  const interfaces = interfacesFrom(ifWalk);
  const chassis = chassisIdentity(entWalk);

  // Identity, each field from the first source that has it: the ENTITY-MIB
  // chassis row, the vendor's own MIB, the IEEE 802.11 MIB (radios that
  // name their product), then descriptions (the chassis's entPhysicalDescr,
  // sysDescr). Never a module's, port's or radio's ENTITY-MIB row.
  let { model, serial, softwareVersion } = chassis;
  let requests = ifWalk.requests + entWalk.requests + lldpWalk.requests + routeWalk.requests + 2;
  const vendorOids = VendorIdentityOids[classification.vendor];
  const wanted = [
    model === undefined ? vendorOids?.model : undefined,
    serial === undefined ? vendorOids?.serial : undefined,
    softwareVersion === undefined ? vendorOids?.version : undefined,
  ].filter((o): o is string => o !== undefined);
  if (vendorOids && wanted.length > 0) {
    const got = await tryGet(session, wanted);
    requests++;
    const read = (oid: string | undefined): string | undefined =>
      oid === undefined ? undefined : nonEmpty(asText(got.get(oid))?.trim());
    model ??= read(vendorOids.model);
    serial ??= read(vendorOids.serial);
    softwareVersion ??= read(vendorOids.version);
  }
  if (model === undefined) {
    const dot11 = await walkColumns(session, Object.values(Dot11Columns), {
      ...limits,
      maxRows: DOT11_MAX_ROWS,
      maxRepetitions: DOT11_MAX_ROWS,
    });
    requests += dot11.requests;
    const firstOf = (root: string): string | undefined =>
      [...col(dot11, root).values()].map((v) => nonEmpty(asText(v)?.trim())).find((t) => t !== undefined);
    model = firstOf(Dot11Columns.dot11manufacturerProductName);
    if (model !== undefined) softwareVersion ??= firstOf(Dot11Columns.dot11manufacturerProductVersion);
  }
  for (const d of chassis.descriptions) {
    model ??= modelFromChassisDescr(d);
    softwareVersion ??= versionFromChassisDescr(d);
  }
  model = fullerModel(model, classification.model);
  softwareVersion ??= classification.softwareVersion;
  ({ model, softwareVersion } = normalizeIdentity(classification.vendor, { model, softwareVersion }));
  classification = refineWithModel(classification, model);

  const ipForwarding = forwarding === undefined ? undefined : forwarding === 1;
  const role = decideRole(classification.role, model, interfaces, sysServices, ipForwarding);
  const inv: DeviceInventory = {
    vendor: classification.vendor,
    os: classification.os,
    role,
    interfaces,
    neighbors: neighborsFrom(lldpWalk, interfaces),
    counters: countersFrom(ifWalk, sampledAt, uptimeCs),
    truncated,
    requests,
  };
  const sysName = nonEmpty(asText(system.get(SystemOids.sysName)));
  if (sysName !== undefined) inv.sysName = sysName;
  if (sysDescr !== undefined) inv.sysDescr = sysDescr;
  if (sysObjectId !== undefined) inv.sysObjectId = sysObjectId;
  const sysLocation = nonEmpty(asText(system.get(SystemOids.sysLocation)));
  if (sysLocation !== undefined) inv.sysLocation = sysLocation;
  // TimeTicks are hundredths of a second (RFC 2578 §7.1.8).
  if (uptimeCs !== undefined) inv.uptimeS = Math.floor(uptimeCs / 100);
  if (model !== undefined) inv.model = model;
  if (serial !== undefined) inv.serial = serial;
  if (softwareVersion !== undefined) inv.softwareVersion = softwareVersion;
  if (ipForwarding !== undefined) inv.ipForwarding = ipForwarding;
  if (role === 'access_point') {
    const gen = wifiGeneration(`${model ?? ''} ${sysDescr ?? ''}`);
    if (gen !== undefined) inv.wifiGeneration = gen;
  }
  const routeIf =
    asInt(extra.get(IP_ROUTE_DEFAULT_IFINDEX)) ??
    asInt([...col(routeWalk, INET_CIDR_ROUTE_DEFAULT_IFINDEX).values()][0]);
  if (routeIf !== undefined && routeIf > 0) inv.defaultRouteIfIndex = String(routeIf);
  return inv;
}

/**
 * Second counter sample for utilisation: walks only the octet columns the
 * first sample used, plus sysUpTime to notice a reboot in between.
 */
export async function sampleCounters(
  session: SnmpSession,
  hc: boolean,
  limits: WalkLimits,
): Promise<CounterSample> {
  const roots = hc
    ? [IfXTableColumns.ifHCInOctets, IfXTableColumns.ifHCOutOctets]
    : [IfTableColumns.ifInOctets, IfTableColumns.ifOutOctets];
  const [walk, up] = await Promise.all([
    walkColumns(session, roots, limits),
    tryGet(session, [SystemOids.sysUpTime]),
  ]);
  return countersFrom(walk, performance.now(), asInt(up.get(SystemOids.sysUpTime)));
}
