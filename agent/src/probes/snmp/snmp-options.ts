import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import { resolveOptions, type OptionSpecs } from '../options.js';

/** Value of the `gateway` option that leaves the default gateway out. */
export const GATEWAY_OFF = 'off';

/** An SNMPv2c community. */
export interface SnmpV2cCredential {
  version: '2c';
  community: string;
}

/** SNMPv3 USM (RFC 3414) authentication protocols accepted in the config. */
export const AUTH_PROTOCOL_NAMES = ['SHA', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const;
/** SNMPv3 privacy protocols accepted in the config (RFC 3826 AES-128, and AES-256 variants). */
export const PRIV_PROTOCOL_NAMES = ['AES', 'AES-256', 'AES-256-C'] as const;

/**
 * The spellings people and other tools use, folded (upper case, no hyphen,
 * underscore or space) to the config's names: Net-SNMP writes `SHA-256` and
 * `AES-256`, Telegraf `SHA256`, `AES256` and `AES256C` (Reeder's key
 * extension, our `AES-256-C`), and `AES128` is RFC 3826's AES, our `AES`.
 */
const AUTH_PROTOCOL_SPELLINGS: ReadonlyMap<string, (typeof AUTH_PROTOCOL_NAMES)[number]> = new Map([
  ['SHA', 'SHA'],
  ['SHA1', 'SHA'],
  ['SHA224', 'SHA-224'],
  ['SHA256', 'SHA-256'],
  ['SHA384', 'SHA-384'],
  ['SHA512', 'SHA-512'],
]);
const PRIV_PROTOCOL_SPELLINGS: ReadonlyMap<string, (typeof PRIV_PROTOCOL_NAMES)[number]> = new Map([
  ['AES', 'AES'],
  ['AES128', 'AES'],
  ['AES256', 'AES-256'],
  ['AES256C', 'AES-256-C'],
]);

function fold(name: string): string {
  return name.toUpperCase().replace(/[-_\s]/g, '');
}

/**
 * An SNMPv3 USM user. MD5 and DES are not offered: both are broken
 * (RFC 6151, RFC 8018 notes) and a ministry tool should not normalise them.
 */
export interface SnmpV3Credential {
  version: '3';
  user: string;
  auth_protocol?: (typeof AUTH_PROTOCOL_NAMES)[number];
  auth_key?: string;
  priv_protocol?: (typeof PRIV_PROTOCOL_NAMES)[number];
  priv_key?: string;
}

/** One credential of `snmp.credentials`. */
export type SnmpCredential = SnmpV2cCredential | SnmpV3Credential;

/** The scalar options of the `snmp` probe, settable with `--set snmp.KEY=VALUE`. */
export interface SnmpScalarOptions {
  /** UDP port of the agents. */
  port: number;
  /** Gateway to query besides the targets: `''` discovers the default gateway, `off` skips it. */
  gateway: string;
  /** Hosts probed at once during discovery. */
  concurrency: number;
  /** Response wait per request while discovering, in ms. */
  discovery_timeout_ms: number;
  /** Retransmissions per request while discovering. */
  discovery_retries: number;
  /** Response wait per request during the inventory, in ms. */
  timeout_ms: number;
  /** Retransmissions per request during the inventory. */
  retries: number;
  /** GETBULK max-repetitions. */
  max_repetitions: number;
  /** Rows one walk may return before it stops. */
  max_rows: number;
  /** Time one walk may take, in seconds. */
  walk_timeout_s: number;
  /** Time between the two counter samples, in seconds; 0 skips utilisation. */
  sample_interval_s: number;
  /** The WAN uplink when it cannot be found from the routes: `ifName` or `host/ifName`. */
  uplink: string;
  /** Contracted speed of the school's internet line, in Mbit/s; 0 when unknown. */
  line_mbps: number;
  /** Most addresses the targets may expand to. */
  max_targets: number;
}

/** Every option of the `snmp` probe: the scalars plus the lists only a config file can carry. */
export interface SnmpOptions extends SnmpScalarOptions {
  /** Hosts, host lists and CIDR ranges to sweep. */
  targets: string[];
  /** Credentials tried in order. */
  credentials: SnmpCredential[];
}

/** Specs of {@link SnmpScalarOptions}, with defaults and the reasons for them. */
export const snmpOptionSpecs: OptionSpecs<SnmpScalarOptions> = {
  port: {
    type: 'integer',
    default: 161,
    minimum: 1,
    maximum: 65535,
    description: 'UDP port of the SNMP agents (161, RFC 3417).',
  },
  gateway: {
    type: 'string',
    default: '',
    maxLength: 255,
    description:
      'Gateway queried besides the targets: "" discovers the default gateway from the routing table, "off" skips it, an address uses that.',
  },
  concurrency: {
    type: 'integer',
    // 128 sockets sweep a /24 in two rounds of one discovery timeout each,
    // and stay far below any file-descriptor limit.
    default: 128,
    minimum: 1,
    maximum: 512,
    description: 'Hosts queried at once during discovery.',
  },
  discovery_timeout_ms: {
    type: 'integer',
    // A LAN device answers a GET in a few ms; 1 s also covers a busy CPE.
    default: 1000,
    minimum: 50,
    maximum: 30_000,
    description: 'Wait for a response while discovering, in ms.',
  },
  discovery_retries: {
    type: 'integer',
    default: 1,
    minimum: 0,
    maximum: 5,
    description: 'Retransmissions of a discovery request (UDP may drop one).',
  },
  timeout_ms: {
    type: 'integer',
    // Large GETBULK responses from a slow switch CPU can take a second.
    default: 2000,
    minimum: 50,
    maximum: 60_000,
    description: 'Wait for a response during the inventory, in ms.',
  },
  retries: {
    type: 'integer',
    default: 1,
    minimum: 0,
    maximum: 5,
    description: 'Retransmissions of an inventory request.',
  },
  max_repetitions: {
    type: 'integer',
    // 25 rows of a few columns fit one 1500-byte Ethernet frame for most
    // devices; tooBig halves it anyway (RFC 3416 §4.2.3).
    default: 25,
    minimum: 1,
    maximum: 200,
    description: 'GETBULK max-repetitions; halved automatically when a device answers tooBig.',
  },
  max_rows: {
    type: 'integer',
    // A 48-port stack with VLAN interfaces has a few thousand ifTable rows;
    // 20 000 leaves room and still stops an agent that never ends a table.
    default: 20_000,
    minimum: 10,
    maximum: 1_000_000,
    description: 'Rows one walk may return before it stops (guards against agents that never end).',
  },
  walk_timeout_s: {
    type: 'number',
    default: 60,
    minimum: 1,
    maximum: 3600,
    description: 'Time one device inventory may take, in seconds.',
  },
  sample_interval_s: {
    type: 'number',
    // 10 s averages out bursts yet keeps an assessment short; a saturated
    // line stays saturated for minutes during lessons.
    default: 10,
    minimum: 0,
    maximum: 600,
    description: 'Time between the two traffic-counter samples that give bps, in seconds; 0 skips them.',
  },
  uplink: {
    type: 'string',
    default: '',
    maxLength: 512,
    description:
      'The WAN uplink when routes and ifAlias do not reveal it: an ifName, or HOST/IFNAME for one device.',
  },
  line_mbps: {
    type: 'number',
    default: 0,
    minimum: 0,
    maximum: 1_000_000,
    description:
      "Contracted speed of the school's internet line in Mbit/s, compared with the uplink; 0 = unknown.",
  },
  max_targets: {
    type: 'integer',
    // A /22 is the largest school LAN we expect; more is likely a typo.
    default: 1024,
    minimum: 1,
    maximum: 65_536,
    description: 'Most addresses the targets may expand to (a /22 is 1024).',
  },
};

/** Longest host, community or key accepted, in characters. */
const MAX_TEXT = 255;

function invalid(key: string, expected: string): never {
  // Never echo the value: it may be a community or a key.
  throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${key}: expected ${expected}`);
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '' || v.length > MAX_TEXT)
    invalid(`${where}.${key}`, `a non-empty string of at most ${MAX_TEXT} characters`);
  return v;
}

/**
 * Validates `snmp.credentials`.
 * @param where the key path for messages, e.g. `snmp.credentials`
 * @throws SkolnetError `CONFIG_INVALID` naming the key; never the secret
 */
export function parseSnmpCredentials(raw: unknown, where: string): SnmpCredential[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) invalid(where, 'a list of credentials');
  return raw.map((item: unknown, i): SnmpCredential => {
    const at = `${where}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      invalid(at, 'an object {version, community} or {version, user, …}');
    const obj = item as Record<string, unknown>;
    const version = typeof obj.version === 'number' ? String(obj.version) : obj.version;
    if (version === '2c') {
      for (const key of Object.keys(obj))
        if (key !== 'version' && key !== 'community') invalid(`${at}.${key}`, 'no such key for version "2c"');
      const community = optionalString(obj, 'community', at);
      if (community === undefined) invalid(`${at}.community`, 'the community string');
      return { version: '2c', community };
    }
    if (version === '3') {
      const allowed = ['version', 'user', 'auth_protocol', 'auth_key', 'priv_protocol', 'priv_key'];
      for (const key of Object.keys(obj))
        if (!allowed.includes(key)) invalid(`${at}.${key}`, `no such key (keys: ${allowed.join(', ')})`);
      const user = optionalString(obj, 'user', at);
      if (user === undefined) invalid(`${at}.user`, 'the USM user name');
      const cred: SnmpV3Credential = { version: '3', user };
      const authProtocol = optionalString(obj, 'auth_protocol', at);
      const authKey = optionalString(obj, 'auth_key', at);
      const privProtocol = optionalString(obj, 'priv_protocol', at);
      const privKey = optionalString(obj, 'priv_key', at);
      if (authProtocol !== undefined) {
        const p = AUTH_PROTOCOL_SPELLINGS.get(fold(authProtocol));
        if (!p)
          invalid(
            `${at}.auth_protocol`,
            `one of ${AUTH_PROTOCOL_NAMES.join(', ')} (any case, hyphen optional: sha256 works)`,
          );
        cred.auth_protocol = p;
      }
      if (privProtocol !== undefined) {
        const p = PRIV_PROTOCOL_SPELLINGS.get(fold(privProtocol));
        if (!p)
          invalid(
            `${at}.priv_protocol`,
            `one of ${PRIV_PROTOCOL_NAMES.join(', ')} (any case, hyphen optional; AES128 is AES)`,
          );
        cred.priv_protocol = p;
      }
      // RFC 3414 §11.2: keys shorter than 8 characters are rejected by agents.
      if (authKey !== undefined && authKey.length < 8) invalid(`${at}.auth_key`, 'at least 8 characters');
      if (privKey !== undefined && privKey.length < 8) invalid(`${at}.priv_key`, 'at least 8 characters');
      if ((cred.auth_protocol === undefined) !== (authKey === undefined))
        invalid(`${at}.auth_key`, 'auth_protocol and auth_key together');
      if ((cred.priv_protocol === undefined) !== (privKey === undefined))
        invalid(`${at}.priv_key`, 'priv_protocol and priv_key together');
      if (cred.priv_protocol !== undefined && cred.auth_protocol === undefined)
        invalid(`${at}.priv_protocol`, 'privacy only together with authentication (RFC 3414)');
      if (authKey !== undefined) cred.auth_key = authKey;
      if (privKey !== undefined) cred.priv_key = privKey;
      return cred;
    }
    return invalid(`${at}.version`, '"2c" or "3"');
  });
}

/** Validates `snmp.targets`: a list of hosts, addresses or CIDR ranges (syntax checked when expanded). */
export function parseSnmpTargets(raw: unknown, where: string): string[] {
  if (raw === undefined) return [];
  const list = typeof raw === 'string' ? raw.split(',') : raw;
  if (!Array.isArray(list)) invalid(where, 'a list of hosts, addresses or CIDR ranges');
  return list.map((t: unknown, i) => {
    if (typeof t !== 'string' || t.trim() === '' || t.length > MAX_TEXT)
      invalid(`${where}[${i}]`, 'a host name, an address or a CIDR range such as 10.0.0.0/24');
    return t.trim();
  });
}

/**
 * Merges raw options (config file section and `--set` values) over the
 * defaults and validates them.
 * @param where key prefix for messages: `snmp` for the config's section
 * @throws SkolnetError `CONFIG_INVALID` naming the key
 */
export function resolveSnmpOptions(raw: unknown, where = 'snmp'): SnmpOptions {
  if (raw !== undefined && raw !== null && (typeof raw !== 'object' || Array.isArray(raw)))
    invalid(where, 'an object of options');
  const { targets, credentials, ...scalars } = (raw ?? {}) as Record<string, unknown>;
  let resolved: SnmpScalarOptions;
  try {
    resolved = resolveOptions('snmp', snmpOptionSpecs, scalars);
  } catch (err) {
    // resolveOptions names keys `probes.snmp.KEY`; say where they really are.
    const message = (err as Error).message.replace(/^probes\.snmp/, where);
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, message, { cause: err });
  }
  return {
    ...resolved,
    targets: parseSnmpTargets(targets, `${where}.targets`),
    credentials: parseSnmpCredentials(credentials, `${where}.credentials`),
  };
}
