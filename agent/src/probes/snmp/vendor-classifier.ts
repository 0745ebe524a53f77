import { fullerModel, type Identity } from './snmp-identity.js';

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
  [29671, 'Cisco Meraki'],
  [25053, 'Ruckus'], // Ruckus Wireless: ZoneDirector, SmartZone, APs
  [2604, 'Sophos'],
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
  /\b(?:UAP|U6|U7|UWB|EAP\d|cAP|wAP|NWA\d|WAX\d|WAC\d|WAP\d|DAP-|AP-?\d{2,3}\b|AIR-[CL]?AP|C91\d\dAX|FortiAP|AirEngine|WA\d{3}|MR\d{2})/i;
const SWITCH_MODEL =
  /\b(?:USW|US-\d|EdgeSwitch|CRS\d|CSS\d|WS-C|C9[23]00|C[23]9\d0|Catalyst|SG\d{3}|SF\d{3}|CBS\d{3}|ex\d{4}|J\d{4}A|JL\d{3}A|\d{4}[FM]?(?:-\d+G)|TL-S[GX]|T\d{4}|JetStream|GS\d{3,4}|XGS|XS\d{3}|DGS-|DES-|DXS-|GS7\d\d|M4[235]00|S\d{4}|CE\d{4}|FortiSwitch|Ethernet Switch|Switch)/i;
const ROUTER_MODEL =
  /\b(?:RB\d|CCR|hEX|hAP|RouterBOARD|ER-|EdgeRouter|USG|UDM|UXG|ISR|C8\d{2}|C1[19]\d{2}|ASR|srx\d|mx\d|FortiGate|FGT|ER\d{3,4}|TL-ER|ATP\d|USG\s?FLEX|DSR-|DIR-|AR\d{3,4}|NE\d{2}|Router)/i;

/** Role from model names and descriptions, when they say. */
export function roleFromText(text: string): DeviceRole | undefined {
  // "Cloud Managed AP" (Meraki) names the role without a model prefix.
  if (AP_MODEL.test(text) || /access point|\b(?:Managed|Wireless|Cloud) AP\b/i.test(text))
    return 'access_point';
  if (SWITCH_MODEL.test(text)) return 'switch';
  if (ROUTER_MODEL.test(text)) return 'router';
  return undefined;
}

function first(re: RegExp, text: string): string | undefined {
  return re.exec(text)?.[1]?.trim() || undefined;
}

/** True when `oid` is `root` or lies under it. */
function under(oid: string, root: string): boolean {
  const o = oid.replace(/^\./, '');
  return o === root || o.startsWith(`${root}.`);
}

/** Cisco's small-business products (CISCOSB-MIB ciscoSB): Sx250/350/550, CBS, WAP. */
const CISCO_SB_ROOT = '1.3.6.1.4.1.9.6.1';
/** ARUBA-MIB arubaAPProducts: access points (the controllers are under `.1.1`). */
const ARUBA_AP_ROOT = '1.3.6.1.4.1.14823.1.2';
/** UBNT-MIB ubntEdgeMax: EdgeRouters answer with it. */
const UBNT_EDGEMAX_ROOT = '1.3.6.1.4.1.41112.1.5';

/**
 * Vendor and OS from the sysObjectID enterprise number and the sysDescr
 * text; model and version where sysDescr carries them (the ENTITY-MIB
 * chassis and the vendor's MIB, read separately, win over these). Pure: the
 * tests feed it recorded strings.
 */
export function classifyDevice(sysObjectId: string, sysDescr: string): Classification {
  const enterprise = enterpriseOf(sysObjectId);
  let vendor = enterprise === undefined ? undefined : ENTERPRISES.get(enterprise);
  const d = sysDescr.replace(/\s+/g, ' ').trim();
  const firstLine = sysDescr.split(/\r?\n/)[0]?.trim() ?? '';
  const out: Classification = { vendor: 'unknown', os: 'unknown' };

  // Vendors that relabel net-snmp or Linux keep 8072 as sysObjectID, so
  // sysDescr decides first for the OSes that identify themselves there.
  // Firewalls built on FreeBSD answer with FreeBSD's own agents (bsnmpd,
  // enterprise 12325, or net-snmp's freebsd id): only sysDescr tells them.
  if (/^pfSense\b/i.test(d)) {
    vendor = 'Netgate';
    out.os = 'pfSense';
    out.softwareVersion = first(/^pfSense\s+(\d+\.\d+(?:\.\d+)?)/i, d);
    out.role = 'router';
  } else if (
    /OPNsense/i.test(d) ||
    // OPNsense 17.7-21.7 ran on HardenedBSD ("-HBSD"), and every OPNsense
    // kernel is built from a "stable/YY.M" branch of its own; FreeBSD's
    // branches are "stable/13".
    (/^FreeBSD\b/.test(d) && (/-HBSD\b/.test(d) || /\bstable\/\d{2}\.\d{1,2}\b/.test(d)))
  ) {
    vendor = 'Deciso';
    out.os = 'OPNsense';
    out.softwareVersion =
      first(/\bstable\/(\d{2}\.\d{1,2})\b/, d) ?? first(/OPNsense\s+(\d+\.\d+(?:\.\d+)?)/i, d);
    out.role = 'router';
  } else if (/^(?:USG\s?FLEX|ATP\d{3}|ZyWALL|VPN\d{2,})/i.test(d)) {
    // Zyxel's firewalls answer with net-snmp's sysObjectID and the bare model.
    vendor = 'Zyxel';
    out.os = 'Zyxel';
    out.model = firstLine || undefined;
    out.role = 'router';
  } else if (/RouterOS/i.test(d) || vendor === 'MikroTik') {
    vendor = 'MikroTik';
    out.os = 'RouterOS';
    out.model = first(/RouterOS\s+(\S+)/i, d);
    out.softwareVersion = first(/RouterOS\s+v?(\d+\.\d+(?:\.\d+)?)/i, d);
    // RouterOS runs routers, CRS switches and cAP/wAP access points alike.
    out.role = roleFromText(out.model ?? '') ?? 'router';
  } else if (/EdgeOS|EdgeRouter/i.test(d) || under(sysObjectId, UBNT_EDGEMAX_ROOT)) {
    vendor = 'Ubiquiti';
    out.os = 'EdgeOS';
    out.model = first(/\b(EdgeRouter(?:\s+[\w-]+)*)/i, d);
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
  } else if (vendor === 'Cisco' && under(sysObjectId, CISCO_SB_ROOT)) {
    // Small-business switches and APs run their own firmware, not IOS.
    out.os = 'Cisco Small Business';
    out.model = first(/\(([A-Z]+\d+[\w-]*)\)/, d) ?? first(/^([A-Z]{2,4}\d{3}[\w-]*)/, d);
    out.softwareVersion = first(/Version\s+([\d.]+)/i, d);
  } else if (vendor === 'Cisco Meraki' || /Meraki/i.test(d)) {
    vendor = 'Cisco Meraki';
    out.os = 'Meraki';
    out.model = first(/\b(M[RSXGV]\d+[\w-]*|Z\d\w*)/, d);
    const family = out.model?.slice(0, 2);
    if (family === 'MR') out.role = 'access_point';
    else if (family === 'MS') out.role = 'switch';
    else if (family === 'MX' || out.model?.startsWith('Z')) out.role = 'router';
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
    if (under(sysObjectId, ARUBA_AP_ROOT)) {
      out.role = 'access_point';
      // An AP's sysDescr gives "MODEL: 225"; Aruba sells it as AP-225.
      if (out.model !== undefined && /^\d/.test(out.model)) out.model = `AP-${out.model}`;
    }
  } else if (/JUNOS|Juniper/i.test(d) || vendor === 'Juniper') {
    vendor = 'Juniper';
    out.os = 'Junos';
    // sysDescr writes the model in lower case ("ex3400-48t"); Juniper sells EX3400-48T.
    out.model = first(/Juniper Networks, Inc\.\s+(\S+)/i, d)?.toUpperCase();
    out.softwareVersion = first(/JUNOS\s+([\w.-]+)/i, d);
  } else if (/Forti/i.test(d) || vendor === 'Fortinet') {
    vendor = 'Fortinet';
    out.os = 'FortiOS';
    out.model = first(/\b(Forti\w+-[\w-]+)/i, d);
    out.softwareVersion = first(/v(\d+\.\d+\.\d+)/, d);
    out.role = /FortiAP/i.test(d) ? 'access_point' : /FortiSwitch/i.test(d) ? 'switch' : 'router';
  } else if (vendor === 'Ruckus' || /Ruckus|ZoneDirector|SmartZone/i.test(d)) {
    vendor = 'Ruckus';
    if (/ZoneDirector|\bZD\d{4}\b/i.test(d)) {
      out.os = 'ZoneDirector';
      out.model = first(/\b(ZD\d{4})\b/i, d);
      out.role = 'other'; // a Wi-Fi controller, not an access point
    } else if (/SmartZone/i.test(d)) {
      out.os = 'SmartZone';
      out.role = 'other';
    }
  } else if (/Huawei|VRP/i.test(d) || vendor === 'Huawei') {
    vendor = 'Huawei';
    out.os = 'VRP';
    // The first line of a switch's sysDescr is its full model
    // ("S5720-36C-EI-AC"); the version line names only the series ("S5720").
    out.model = fullerModel(
      first(/\(((?:S|AR|CE|AirEngine|AP)[\w-]*)\s+V\d/i, d),
      first(/^((?:S|AR|CE|AirEngine|AP)\d[\w-]*)$/i, firstLine),
    );
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
    // "GS724Tv4 ProSafe 24-port …, 6.3.1.11, B1.0.0.4": firmware, then boot code.
    out.softwareVersion = first(/,\s*(\d+\.\d+\.\d+\.\d+)\s*(?:,|$)/, d);
  } else if (/Windows/i.test(d) || vendor === 'Microsoft') {
    vendor = 'Microsoft';
    out.os = 'Windows';
    const v = /Windows Version\s+([\d.]+)\s+\(Build\s+(\d+)/i.exec(d);
    if (v?.[1] && v[2]) out.softwareVersion = `${v[1]}.${v[2]}`;
    out.role = 'other';
  } else if (vendor === 'Sophos') {
    out.os = 'SFOS';
    out.role = 'router';
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

/** UniFi access points' model names (UAP-…, U6-…, U7-…, UWB-…). */
const UNIFI_AP_MODEL = /^(?:UAP|U6|U7|UWB)\b/i;

/**
 * Corrects a classification with the model read from the device: a
 * first-generation UniFi AP answers with airOS's enterprise number and a
 * bare Linux sysDescr, and only its model (UAP) tells UniFi.
 */
export function refineWithModel(c: Classification, model: string | undefined): Classification {
  if (model !== undefined && c.os === 'airOS' && UNIFI_AP_MODEL.test(model)) return { ...c, os: 'UniFi' };
  return c;
}

/**
 * Puts model and version in the form the vendor sells and documents them,
 * whichever source gave them: Fortinet's "FGT_60F" is the FortiGate-60F and
 * "v7.2.6,build1575,…" is 7.2.6; TP-Link's hardware version "T1600G-28TS
 * 3.0" holds the model before the revision; Zyxel's version string carries
 * a date after " | "; Huawei's version is the V…R… release; airOS's radio
 * firmware name "WA.ar934x.v8.7.4.45112…" holds 8.7.4.
 */
export function normalizeIdentity(vendor: string, id: Identity): Identity {
  const out: Identity = { ...id };
  let { model, softwareVersion: v } = out;
  switch (vendor) {
    case 'Fortinet': {
      const m = model === undefined ? null : /^(FGT|FWF|FAP|FS)_?([\w-]+)$/i.exec(model);
      const family: Record<string, string> = {
        FGT: 'FortiGate',
        FWF: 'FortiWiFi',
        FAP: 'FortiAP',
        FS: 'FortiSwitch',
      };
      if (m?.[1] && m[2]) model = `${family[m[1].toUpperCase()] ?? m[1]}-${m[2]}`;
      v = v === undefined ? v : (first(/\bv(\d+\.\d+\.\d+)/, v) ?? v);
      break;
    }
    case 'TP-Link':
      model = model === undefined ? model : (first(/^(\S+)\s+\d+(?:\.\d+)*$/, model) ?? model);
      break;
    case 'Zyxel':
      v = v?.split(' | ')[0]?.trim();
      break;
    case 'Huawei':
      v = v === undefined ? v : (first(/\b(V\d{3}R\d{3}\w*)/, v) ?? v);
      break;
    case 'Ruckus':
      v = v === undefined ? v : (first(/^(\d+(?:\.\d+)+)/, v) ?? v);
      break;
    case 'Ubiquiti':
      v = v === undefined ? v : (first(/^[A-Z0-9]{2,3}\.\w+\.v(\d+\.\d+\.\d+)/, v) ?? v);
      break;
    default:
      break;
  }
  if (model === undefined || model === '') delete out.model;
  else out.model = model;
  if (v === undefined || v === '') delete out.softwareVersion;
  else out.softwareVersion = v;
  return out;
}
