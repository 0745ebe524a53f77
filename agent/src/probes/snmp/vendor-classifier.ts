/** What a device's role in the school network is. */
export type DeviceRole = 'router' | 'switch' | 'access_point' | 'other';

/** Vendor and OS of a device, and what its descriptions reveal about model, version and role. */
export interface Classification {
  /** Vendor name, `unknown` when nothing matched. */
  vendor: string;
  /** Operating system, `unknown` when nothing matched. */
  os: string;
  /** Model parsed from sysDescr, when the vendor puts it there. */
  model?: string;
  /** Software version parsed from sysDescr. */
  softwareVersion?: string;
  /** Role the vendor, OS or model implies, when they do. */
  role?: DeviceRole;
}

/**
 * Enterprise numbers (IANA Private Enterprise Numbers, the arc after
 * 1.3.6.1.4.1 in sysObjectID) of the vendors schools buy from.
 */
const ENTERPRISES: ReadonlyMap<number, string> = new Map([
  [9, 'Cisco'],
  [11, 'HPE Aruba'], // Hewlett-Packard: ProCurve and ArubaOS-Switch
  [14823, 'HPE Aruba'], // Aruba Networks: controllers, APs
  [47196, 'HPE Aruba'], // Hewlett Packard Enterprise: ArubaOS-CX
  [25506, 'HPE Aruba'], // H3C: HPE Comware switches
  [14988, 'MikroTik'],
  [41112, 'Ubiquiti'],
  [10002, 'Ubiquiti'], // Frogfoot Networks, whose MIB airOS reuses
  [2636, 'Juniper'],
  [12356, 'Fortinet'],
  [11863, 'TP-Link'],
  [890, 'Zyxel'],
  [171, 'D-Link'],
  [4526, 'Netgear'],
  [2011, 'Huawei'],
  [8072, 'net-snmp'],
  [311, 'Microsoft'],
]);

/** The enterprise number in a sysObjectID, or undefined outside 1.3.6.1.4.1. */
export function enterpriseOf(sysObjectId: string): number | undefined {
  const m = /^\.?1\.3\.6\.1\.4\.1\.(\d+)(?:\.|$)/.exec(sysObjectId);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

// Model name prefixes that tell the role directly, across vendors (no
// trailing word boundary: model numbers continue, C2960X, CCR1009).
const AP_MODEL =
  /\b(?:UAP|U6|U7|UWB|EAP\d|cAP|wAP|NWA\d|WAX\d|WAC\d|DAP-|AP-?\d{2,3}\b|AIR-[CL]?AP|C91\d\dAX|FortiAP|AirEngine|WA\d{3})/i;
const SWITCH_MODEL =
  /\b(?:USW|US-\d|EdgeSwitch|CRS\d|CSS\d|WS-C|C9[23]00|C[23]9\d0|Catalyst|SG\d{3}|SF\d{3}|CBS\d{3}|ex\d{4}|J\d{4}A|JL\d{3}A|\d{4}[FM]?(?:-\d+G)|TL-S[GX]|T\d{4}|JetStream|GS\d{3,4}|XGS|XS\d{3}|DGS-|DES-|DXS-|GS7\d\d|M4[235]00|S\d{4}|CE\d{4}|FortiSwitch|Ethernet Switch|Switch)/i;
const ROUTER_MODEL =
  /\b(?:RB\d|CCR|hEX|hAP|RouterBOARD|ER-|EdgeRouter|USG|UDM|UXG|ISR|C8\d{2}|C1[19]\d{2}|ASR|srx\d|mx\d|FortiGate|FGT|ER\d{3,4}|TL-ER|ATP\d|USG\s?FLEX|DSR-|DIR-|AR\d{3,4}|NE\d{2}|Router)/i;

/** Role from model names and descriptions, when they say. */
export function roleFromText(text: string): DeviceRole | undefined {
  if (AP_MODEL.test(text) || /access point/i.test(text)) return 'access_point';
  if (SWITCH_MODEL.test(text)) return 'switch';
  if (ROUTER_MODEL.test(text)) return 'router';
  return undefined;
}

function first(re: RegExp, text: string): string | undefined {
  return re.exec(text)?.[1]?.trim() || undefined;
}

/**
 * Vendor and OS from the sysObjectID enterprise number and the sysDescr
 * text; model and version where sysDescr carries them (ENTITY-MIB, read
 * separately, wins over these). Pure: the tests feed it recorded strings.
 */
export function classifyDevice(sysObjectId: string, sysDescr: string): Classification {
  const enterprise = enterpriseOf(sysObjectId);
  let vendor = enterprise === undefined ? undefined : ENTERPRISES.get(enterprise);
  const d = sysDescr.replace(/\s+/g, ' ').trim();
  const out: Classification = { vendor: 'unknown', os: 'unknown' };

  // Vendors that relabel net-snmp or Linux keep 8072 as sysObjectID, so
  // sysDescr decides first for the OSes that identify themselves there.
  if (/RouterOS/i.test(d) || vendor === 'MikroTik') {
    vendor = 'MikroTik';
    out.os = 'RouterOS';
    out.model = first(/RouterOS\s+(\S+)/i, d);
    out.softwareVersion = first(/RouterOS\s+v?(\d+\.\d+(?:\.\d+)?)/i, d);
    // RouterOS runs routers, CRS switches and cAP/wAP access points alike.
    out.role = roleFromText(out.model ?? '') ?? 'router';
  } else if (/EdgeOS/i.test(d)) {
    vendor = 'Ubiquiti';
    out.os = 'EdgeOS';
    out.softwareVersion = first(/EdgeOS\s+v?(\d[\w.-]*)/i, d);
    out.role = 'router';
  } else if (/EdgeSwitch/i.test(d)) {
    vendor = 'Ubiquiti';
    out.os = 'EdgeSwitch';
    out.model = first(/(EdgeSwitch[^,]*)/i, d);
    out.softwareVersion = first(/,\s*(\d+\.\d+\.\d+[\w.]*)/, d);
    out.role = 'switch';
  } else if (
    /\b(?:UAP|U6|U7|USW|US-\d|UDM|USG|UXG)[\w-]*/.test(d) ||
    (vendor === 'Ubiquiti' && enterprise === 41112)
  ) {
    vendor = 'Ubiquiti';
    out.os = 'UniFi';
    out.model = first(/\b((?:UAP|U6|U7|USW|US|UDM|USG|UXG)[\w-]*)/, d);
    out.softwareVersion = first(/(\d+\.\d+\.\d+\.\d+)/, d);
  } else if (/airOS/i.test(d) || enterprise === 10002) {
    vendor = 'Ubiquiti';
    out.os = 'airOS';
    out.softwareVersion = first(/\b(?:XW|XC|WA|TI|XM|2XC|2WA)\.\w+\.v?(\d+\.\d+(?:\.\d+)?)/, d);
    out.role = 'access_point';
  } else if (/Cisco|IOS/i.test(d) || vendor === 'Cisco') {
    vendor = 'Cisco';
    out.os = /IOS[ -]?XE/i.test(d)
      ? 'IOS XE'
      : /NX-OS/i.test(d)
        ? 'NX-OS'
        : /Adaptive Security Appliance/i.test(d)
          ? 'ASA'
          : /AireOS|Cisco Controller/i.test(d)
            ? 'AireOS'
            : /IOS/i.test(d)
              ? 'IOS'
              : 'unknown';
    out.softwareVersion = first(/Version\s+([\w.()]+)/i, d);
    out.model = first(/Software \(([\w-]+?)-[\w]+-M\)/, d) ?? first(/\b(C\d{4}[\w-]*)/, d);
  } else if (/ArubaOS-CX|AOS-CX/i.test(d)) {
    vendor = 'HPE Aruba';
    out.os = 'ArubaOS-CX';
    out.model = first(/Aruba\s+(\S+)/i, d);
    out.softwareVersion = first(/\b((?:[A-Z]{2})\.\d+\.\d+\.\d+)/, d);
  } else if (/ProCurve|Aruba\s+JL|HP\s+J\d|revision\s+[A-Z]{1,2}\.\d+/i.test(d) || enterprise === 11) {
    vendor = 'HPE Aruba';
    out.os = 'ArubaOS-Switch';
    out.model = first(/\b((?:J\d{4}A|JL\d{3}A)[^,]*)/i, d);
    out.softwareVersion = first(/revision\s+([\w.]+)/i, d);
    out.role = 'switch';
  } else if (/Comware/i.test(d) || enterprise === 25506) {
    vendor = 'HPE Aruba';
    out.os = 'Comware';
    out.softwareVersion = first(/Version\s+([\w.,\s]+?Release\s+\w+)/i, d) ?? first(/Version\s+([\w.]+)/i, d);
    out.role = 'switch';
  } else if (/ArubaOS|Aruba Instant|Instant On/i.test(d) || enterprise === 14823) {
    vendor = 'HPE Aruba';
    out.os = /Instant/i.test(d) ? 'Aruba Instant' : 'ArubaOS';
    out.model = first(/MODEL:\s*([\w-]+)/i, d);
    out.softwareVersion = first(/Version\s+([\d.]+)/i, d);
  } else if (/JUNOS|Juniper/i.test(d) || vendor === 'Juniper') {
    vendor = 'Juniper';
    out.os = 'Junos';
    out.model = first(/Juniper Networks, Inc\.\s+(\S+)/i, d);
    out.softwareVersion = first(/JUNOS\s+([\w.-]+)/i, d);
  } else if (/Forti/i.test(d) || vendor === 'Fortinet') {
    vendor = 'Fortinet';
    out.os = 'FortiOS';
    out.model = first(/\b(Forti\w+-[\w-]+)/i, d);
    out.softwareVersion = first(/v(\d+\.\d+\.\d+)/, d);
    out.role = /FortiAP/i.test(d) ? 'access_point' : /FortiSwitch/i.test(d) ? 'switch' : 'router';
  } else if (/Huawei|VRP/i.test(d) || vendor === 'Huawei') {
    vendor = 'Huawei';
    out.os = 'VRP';
    out.model = first(/\(((?:S|AR|CE|AirEngine|AP)[\w-]*)\s+V\d/i, d);
    out.softwareVersion = first(/\((?:\S+\s+)?(V\d{3}R\d{3}\w*)\)/i, d) ?? first(/Version\s+([\d.]+)/i, d);
  } else if (vendor === 'TP-Link' || /TP-?Link|JetStream|Omada/i.test(d)) {
    vendor = 'TP-Link';
    out.os = 'TP-Link';
    out.model = first(/\b((?:TL-|T\d{4}|EAP|ER\d|SG\d)[\w-]*)/i, d);
  } else if (vendor === 'Zyxel' || /Zyxel|ZyNOS/i.test(d)) {
    vendor = 'Zyxel';
    out.os = /ZyNOS/i.test(d) ? 'ZyNOS' : 'Zyxel';
    out.model = first(/\b((?:GS|XGS|XS|NWA|WAX|WAC|USG|ATP|VPN)[\w-]*)/i, d);
  } else if (vendor === 'D-Link' || /D-Link|\bD[GEX]S-|\bDAP-|\bDIR-|\bDSR-/i.test(d)) {
    vendor = 'D-Link';
    out.os = 'D-Link';
    out.model = first(/\b((?:DGS|DES|DXS|DAP|DIR|DSR)-[\w-]+)/i, d);
    out.softwareVersion = first(/\b(\d+\.\d+\.\d+)\b/, d);
  } else if (vendor === 'Netgear' || /NETGEAR|ProSAFE/i.test(d)) {
    vendor = 'Netgear';
    out.os = 'Netgear';
    out.model = first(/\b((?:GS|GC|XS|M4\d{3}|WAC|WAX|SRX|FS)[\w-]*)/i, d);
  } else if (/Windows/i.test(d) || vendor === 'Microsoft') {
    vendor = 'Microsoft';
    out.os = 'Windows';
    const v = /Windows Version\s+([\d.]+)\s+\(Build\s+(\d+)/i.exec(d);
    if (v?.[1] && v[2]) out.softwareVersion = `${v[1]}.${v[2]}`;
    out.role = 'other';
  } else if (/^Linux\b/i.test(d) || vendor === 'net-snmp') {
    vendor = vendor ?? 'net-snmp';
    out.os = /^Linux\b/i.test(d) ? 'Linux' : (first(/^(\w+)/, d) ?? 'unknown');
    // `Linux host 6.1.0-13-amd64 #1 SMP …`: the kernel release is the third word.
    out.softwareVersion = first(/^\w+\s+\S+\s+(\S+)/, d);
  }
  out.vendor = vendor ?? 'unknown';
  if (out.role === undefined) {
    const role = roleFromText(`${out.model ?? ''} ${d}`);
    if (role) out.role = role;
  }
  return out;
}

/**
 * Wi-Fi generation an access point's model or description implies
 * (Wi-Fi Alliance names: 4 = 802.11n, 5 = 802.11ac, 6 = 802.11ax,
 * 6E = 802.11ax at 6 GHz, 7 = 802.11be), or undefined when it does not say.
 */
export function wifiGeneration(text: string): string | undefined {
  if (/\b(?:U7|BE\d|EAP7\d\d|802\.11be|Wi-?Fi ?7)\b/i.test(text)) return 'wifi7';
  if (/\b(?:U6-Enterprise|6E|AXE\d*|Wi-?Fi ?6E)\b/i.test(text)) return 'wifi6e';
  if (/\b(?:U6|AX\d*|WAX\d+|EAP6\d\d|C91\d\dAX\w*|AP-5\d\d|AirEngine|802\.11ax|Wi-?Fi ?6)\b|AX\b/i.test(text))
    return 'wifi6';
  if (/\b(?:UAP-AC|AC\d*|WAC\d+|EAP2[2-5]\d|AP-3\d\d|802\.11ac|Wi-?Fi ?5)\b|-AC\b|AC-/i.test(text))
    return 'wifi5';
  if (/\b(?:UAP(?:-LR|-Outdoor)?|802\.11n|Wi-?Fi ?4)\b/i.test(text)) return 'wifi4';
  return undefined;
}
