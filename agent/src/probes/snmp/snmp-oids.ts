/**
 * Object identifiers the SNMP probe reads, with the MIB that defines each.
 * Numeric on purpose: the agent loads no MIB files, so it behaves the same
 * on every host whatever MIBs are installed there.
 */

/** SNMPv2-MIB (RFC 3418) system group scalars, instance `.0` included. */
export const SystemOids = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  /** TimeTicks, hundredths of a second since the agent (re)started. */
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
  /** Bit set of the OSI layers the device serves: 0x02 datalink (bridge), 0x04 internet (router). */
  sysServices: '1.3.6.1.2.1.1.7.0',
} as const;

/** IP-MIB (RFC 4293) ipForwarding.0: 1 when the device routes. */
export const IP_FORWARDING = '1.3.6.1.2.1.4.1.0';

/** IF-MIB (RFC 2863) ifTable columns (`ifEntry` = 1.3.6.1.2.1.2.2.1). */
export const IfTableColumns = {
  ifDescr: '1.3.6.1.2.1.2.2.1.2',
  ifType: '1.3.6.1.2.1.2.2.1.3',
  ifMtu: '1.3.6.1.2.1.2.2.1.4',
  /** Gauge32, bit/s; saturates at 4 294 967 295, hence ifHighSpeed. */
  ifSpeed: '1.3.6.1.2.1.2.2.1.5',
  ifPhysAddress: '1.3.6.1.2.1.2.2.1.6',
  ifAdminStatus: '1.3.6.1.2.1.2.2.1.7',
  ifOperStatus: '1.3.6.1.2.1.2.2.1.8',
  /** Counter32 octets, the fallback when ifHCInOctets is absent. */
  ifInOctets: '1.3.6.1.2.1.2.2.1.10',
  ifInDiscards: '1.3.6.1.2.1.2.2.1.13',
  ifInErrors: '1.3.6.1.2.1.2.2.1.14',
  ifOutOctets: '1.3.6.1.2.1.2.2.1.16',
  ifOutDiscards: '1.3.6.1.2.1.2.2.1.19',
  ifOutErrors: '1.3.6.1.2.1.2.2.1.20',
} as const;

/** IF-MIB (RFC 2863) ifXTable columns (`ifXEntry` = 1.3.6.1.2.1.31.1.1.1). */
export const IfXTableColumns = {
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  /** Counter64 octets received. */
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  /** Counter64 octets sent. */
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
  /** Gauge32, Mbit/s. */
  ifHighSpeed: '1.3.6.1.2.1.31.1.1.1.15',
  ifAlias: '1.3.6.1.2.1.31.1.1.1.18',
} as const;

/** ENTITY-MIB (RFC 6933) entPhysicalTable columns (`entPhysicalEntry` = 1.3.6.1.2.1.47.1.1.1.1). */
export const EntPhysicalColumns = {
  entPhysicalDescr: '1.3.6.1.2.1.47.1.1.1.1.2',
  /** entPhysicalIndex of the entity that contains this one; 0 at the top of the tree. */
  entPhysicalContainedIn: '1.3.6.1.2.1.47.1.1.1.1.4',
  /** PhysicalClass: 3 chassis, 10 port, 11 stack… (RFC 6933). */
  entPhysicalClass: '1.3.6.1.2.1.47.1.1.1.1.5',
  entPhysicalSoftwareRev: '1.3.6.1.2.1.47.1.1.1.1.10',
  entPhysicalSerialNum: '1.3.6.1.2.1.47.1.1.1.1.11',
  entPhysicalModelName: '1.3.6.1.2.1.47.1.1.1.1.13',
} as const;

/** entPhysicalClass value of a chassis (RFC 6933 PhysicalClass). */
export const ENT_CLASS_CHASSIS = 3;
/** entPhysicalClass value of a stack of chassis (RFC 6933 PhysicalClass). */
export const ENT_CLASS_STACK = 11;

/** IEEE 802.1AB LLDP-MIB lldpRemTable columns, index timeMark.localPortNum.remIndex. */
export const LldpRemColumns = {
  lldpRemChassisId: '1.0.8802.1.1.2.1.4.1.1.5',
  lldpRemPortIdSubtype: '1.0.8802.1.1.2.1.4.1.1.6',
  lldpRemPortId: '1.0.8802.1.1.2.1.4.1.1.7',
  lldpRemPortDesc: '1.0.8802.1.1.2.1.4.1.1.8',
  lldpRemSysName: '1.0.8802.1.1.2.1.4.1.1.9',
  /** LldpSystemCapabilitiesMap, BITS (bit 0 = most significant bit of the first octet): 2 bridge, 3 wlanAccessPoint, 4 router. */
  lldpRemSysCapEnabled: '1.0.8802.1.1.2.1.4.1.1.12',
} as const;

/** IEEE 802.1AB LLDP-MIB lldpLocPortTable columns, index localPortNum. */
export const LldpLocColumns = {
  lldpLocPortId: '1.0.8802.1.1.2.1.3.7.1.3',
  lldpLocPortDesc: '1.0.8802.1.1.2.1.3.7.1.4',
} as const;

/** RFC 1213 ipRouteIfIndex of the default route (destination 0.0.0.0). */
export const IP_ROUTE_DEFAULT_IFINDEX = '1.3.6.1.2.1.4.21.1.2.0.0.0.0';
/**
 * IP-FORWARD-MIB (RFC 4292) inetCidrRouteIfIndex for IPv4 (type 1, 4
 * octets) destination 0.0.0.0 prefix length 0: the default routes.
 */
export const INET_CIDR_ROUTE_DEFAULT_IFINDEX = '1.3.6.1.2.1.4.24.7.1.7.1.4.0.0.0.0.0';

/**
 * MIKROTIK-MIB scalars, the fallback for model, serial and version on
 * RouterOS. mtxrBoardName is `.7.9`; `.7.8` is mtxrDisplayName, a free text.
 */
export const MikrotikOids = {
  mtxrSerialNumber: '1.3.6.1.4.1.14988.1.1.7.3.0',
  mtxrBoardName: '1.3.6.1.4.1.14988.1.1.7.9.0',
  /** RouterOS version (the license's software level); `.7.4` is the RouterBOOT firmware, not RouterOS. */
  mtxrLicVersion: '1.3.6.1.4.1.14988.1.1.4.4.0',
} as const;

/** CISCOSB-Physicaldescription-MIB rlPhdUnitGenParamSoftwareVersion of stack unit 1 (Cisco small-business switches). */
export const CISCO_SB_SOFTWARE_VERSION = '1.3.6.1.4.1.9.6.1.101.53.14.1.2.1';

/**
 * Vendors' own MIB scalars for model, serial and software version, read when
 * the ENTITY-MIB chassis row leaves them empty. Keyed by the vendor name the
 * classifier gives. Each OID is named after its MIB object.
 */
export const VendorIdentityOids: Readonly<
  Record<string, { model?: string; serial?: string; version?: string } | undefined>
> = {
  MikroTik: {
    model: MikrotikOids.mtxrBoardName,
    serial: MikrotikOids.mtxrSerialNumber,
    version: MikrotikOids.mtxrLicVersion,
  },
  // Small-business switches; IOS devices do not have the object and answer noSuchObject.
  Cisco: { version: CISCO_SB_SOFTWARE_VERSION },
  // UBNT-UniFi-MIB unifiApSystemModel / unifiApSystemVersion.
  Ubiquiti: { model: '1.3.6.1.4.1.41112.1.6.3.3.0', version: '1.3.6.1.4.1.41112.1.6.3.6.0' },
  // TPLINK-SYSINFO-MIB tpSysInfoHwVersion ("T1600G-28TS 3.0"), tpSysInfoSwVersion, tpSysInfoSerialNum.
  'TP-Link': {
    model: '1.3.6.1.4.1.11863.6.1.1.5.0',
    version: '1.3.6.1.4.1.11863.6.1.1.6.0',
    serial: '1.3.6.1.4.1.11863.6.1.1.8.0',
  },
  // ZYXEL-ES-COMMON sysProductModel, sysProductSerialNumber, sysSwVersionString ("V4.80(ABQF.3) | 10/06/2023").
  Zyxel: {
    model: '1.3.6.1.4.1.890.1.15.3.1.11.0',
    serial: '1.3.6.1.4.1.890.1.15.3.1.12.0',
    version: '1.3.6.1.4.1.890.1.15.3.1.6.0',
  },
  // FORTINET-FORTIGATE-MIB fgSysVersion ("v7.2.6,build1575,…"), FORTINET-CORE-MIB fnSysSerial.
  Fortinet: { version: '1.3.6.1.4.1.12356.101.4.1.1.0', serial: '1.3.6.1.4.1.12356.100.1.1.1.0' },
  // RUCKUS-ZD-SYSTEM-MIB ruckusZDSystemModel, …SerialNumber, …Version ("9.13.3.0 build 145").
  Ruckus: {
    model: '1.3.6.1.4.1.25053.1.2.1.1.1.1.9.0',
    serial: '1.3.6.1.4.1.25053.1.2.1.1.1.1.15.0',
    version: '1.3.6.1.4.1.25053.1.2.1.1.1.1.18.0',
  },
};

/**
 * IEEE 802.11 MIB (IEEE Std 802.11, Annex C) dot11ResourceInfoTable
 * columns, one row per radio interface: the only place some outdoor
 * bridges (airMAX) name their model.
 */
export const Dot11Columns = {
  dot11manufacturerProductName: '1.2.840.10036.3.1.2.1.3',
  dot11manufacturerProductVersion: '1.2.840.10036.3.1.2.1.4',
} as const;

/** LldpSystemCapabilitiesMap masks of the first octet (BITS put bit 0 in the most significant bit, RFC 2578 §7.1.4). */
export const LldpCapabilityMask = {
  bridge: 0x20,
  wlanAccessPoint: 0x10,
  router: 0x08,
} as const;

/** IANAifType values (RFC 2863 refers to the IANA registry) the probe reasons about. */
export const IfTypes = {
  ethernetCsmacd: 6,
  ppp: 23,
  softwareLoopback: 24,
  adsl: 94,
  vdsl: 97,
  docsCableMaclayer: 127,
  ieee80211: 71,
  vdsl2: 251,
  l2vlan: 135,
  bridge: 209,
  mobile: 244,
} as const;

/** True when `oid` lies inside the subtree rooted at `root`. */
export function inSubtree(oid: string, root: string): boolean {
  return oid.startsWith(`${root}.`);
}

/**
 * Compares two dotted OIDs lexicographically by arc (RFC 3416 ordering of
 * GetNext): negative when `a` comes first.
 */
export function compareOids(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
