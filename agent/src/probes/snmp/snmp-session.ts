import snmp from 'net-snmp';
import type { SnmpCredential } from './snmp-options.js';

/**
 * One variable binding as the probe sees it, already decoded so nothing
 * downstream touches net-snmp types. Values that are not what a column
 * should hold are filtered later by the readers in `snmp-values.ts`.
 */
export type SnmpValue =
  | { kind: 'int'; value: number }
  | { kind: 'counter64'; value: bigint }
  | { kind: 'octets'; value: Buffer }
  | { kind: 'oid'; value: string }
  | { kind: 'ip'; value: string }
  | { kind: 'null' }
  /** noSuchObject, noSuchInstance or endOfMibView (RFC 3416 §3). */
  | { kind: 'exception'; value: 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' };

/** An OID with its decoded value. */
export interface SnmpVarbind {
  oid: string;
  value: SnmpValue;
}

/** Why a request failed, as the walker and the probe branch on it. */
export type SnmpFailure = 'timeout' | 'too_big' | 'auth' | 'error';

/** A failed SNMP request, with a reason the caller can branch on. */
export class SnmpRequestError extends Error {
  constructor(
    /** What kind of failure. */
    readonly reason: SnmpFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SnmpRequestError';
  }
}

/** Transport settings of one session. */
export interface SnmpSessionOptions {
  /** UDP port of the agent (161 by RFC 3417). */
  port: number;
  /** Wait for one response, in ms. */
  timeoutMs: number;
  /** Retransmissions after the first request. */
  retries: number;
}

/**
 * A session to one device with one credential. The seam of the probe: tests
 * inject sessions that loop, answer tooBig or return garbage.
 */
export interface SnmpSession {
  /** GET of scalars; missing instances come back as `exception` values. */
  get(oids: readonly string[]): Promise<SnmpVarbind[]>;
  /**
   * GETBULK with no non-repeaters: for each requested OID, up to
   * `maxRepetitions` successors, as one list per requested OID.
   */
  getBulk(oids: readonly string[], maxRepetitions: number): Promise<SnmpVarbind[][]>;
  /** Releases the socket; safe to call twice. */
  close(): void;
}

/** Opens sessions; injected for tests. */
export type SnmpSessionFactory = (
  host: string,
  credential: SnmpCredential,
  options: SnmpSessionOptions,
) => SnmpSession;

/** net-snmp's RFC 3414/3826 and draft-blumenthal protocol names by config name. */
const AUTH_PROTOCOLS: Readonly<Record<string, snmp.AuthProtocols>> = {
  SHA: snmp.AuthProtocols.sha,
  'SHA-224': snmp.AuthProtocols.sha224,
  'SHA-256': snmp.AuthProtocols.sha256,
  'SHA-384': snmp.AuthProtocols.sha384,
  'SHA-512': snmp.AuthProtocols.sha512,
};
const PRIV_PROTOCOLS: Readonly<Record<string, snmp.PrivProtocols>> = {
  AES: snmp.PrivProtocols.aes,
  // Blumenthal key extension, which net-snmp (snmpd) and Cisco's "AES-256" use.
  'AES-256': snmp.PrivProtocols.aes256b,
  // Reeder key extension, used by some other vendors' "AES-256-C".
  'AES-256-C': snmp.PrivProtocols.aes256r,
};

/** net-snmp ObjectType codes (RFC 2578 / RFC 3416 tags). */
const T = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter32: 65,
  Gauge32: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;

/** Reads an unsigned big-endian integer of any length as a BigInt. */
function bufferToBigInt(buf: Buffer): bigint {
  let v = 0n;
  for (const byte of buf) v = (v << 8n) | BigInt(byte);
  return v;
}

/** Decodes one net-snmp varbind; anything unexpected becomes `null` rather than a throw. */
export function decodeVarbind(vb: { oid?: unknown; type?: unknown; value?: unknown }): SnmpVarbind {
  const oid = typeof vb.oid === 'string' ? vb.oid : '';
  const v = vb.value;
  switch (vb.type) {
    case T.Integer:
    case T.Counter32:
    case T.Gauge32:
    case T.TimeTicks:
      return {
        oid,
        value: typeof v === 'number' && Number.isFinite(v) ? { kind: 'int', value: v } : { kind: 'null' },
      };
    case T.Counter64:
      if (Buffer.isBuffer(v)) return { oid, value: { kind: 'counter64', value: bufferToBigInt(v) } };
      if (typeof v === 'bigint') return { oid, value: { kind: 'counter64', value: v } };
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0)
        return { oid, value: { kind: 'counter64', value: BigInt(v) } };
      return { oid, value: { kind: 'null' } };
    case T.OctetString:
    case T.Opaque:
      return { oid, value: Buffer.isBuffer(v) ? { kind: 'octets', value: v } : { kind: 'null' } };
    case T.OID:
      return { oid, value: typeof v === 'string' ? { kind: 'oid', value: v } : { kind: 'null' } };
    case T.IpAddress:
      return { oid, value: typeof v === 'string' ? { kind: 'ip', value: v } : { kind: 'null' } };
    case T.NoSuchObject:
      return { oid, value: { kind: 'exception', value: 'noSuchObject' } };
    case T.NoSuchInstance:
      return { oid, value: { kind: 'exception', value: 'noSuchInstance' } };
    case T.EndOfMibView:
      return { oid, value: { kind: 'exception', value: 'endOfMibView' } };
    default:
      return { oid, value: { kind: 'null' } };
  }
}

/** Maps a net-snmp error to a {@link SnmpRequestError}. */
function toRequestError(err: unknown): SnmpRequestError {
  const e = err as { name?: unknown; status?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  if (e.name === 'RequestTimedOutError')
    return new SnmpRequestError('timeout', 'no response', { cause: err });
  // ErrorStatus 1 = tooBig (RFC 3416 §4.2.3).
  if (e.name === 'RequestFailedError' && e.status === 1)
    return new SnmpRequestError('too_big', 'response too big', { cause: err });
  // USM reports (RFC 3414 §3.2): unknown user, wrong digest, unsupported level.
  if (/usmStats|unknown.*user|authentication|digest|decrypt|Report PDU/i.test(message))
    return new SnmpRequestError('auth', message, { cause: err });
  return new SnmpRequestError('error', message, { cause: err });
}

/**
 * Sessions over net-snmp. Each session owns one UDP socket, closed by
 * {@link SnmpSession.close}; the probe closes every session it opens in a
 * `finally`, so polling for days leaks no sockets.
 */
export const createNetSnmpSession: SnmpSessionFactory = (host, credential, options) => {
  const common = {
    port: options.port,
    timeout: options.timeoutMs,
    retries: options.retries,
    // The walker checks ordering itself and keeps what came before a loop;
    // net-snmp's own check would throw the whole response away.
    backwardsGetNexts: true,
    transport: host.includes(':') ? ('udp6' as const) : ('udp4' as const),
  };
  let session: snmp.Session;
  if (credential.version === '2c') {
    session = snmp.createSession(host, credential.community, { ...common, version: snmp.Version2c });
  } else {
    const user: snmp.User = {
      name: credential.user,
      level: snmp.SecurityLevel.noAuthNoPriv,
    };
    if (credential.auth_protocol && credential.auth_key) {
      user.level = snmp.SecurityLevel.authNoPriv;
      user.authProtocol = AUTH_PROTOCOLS[credential.auth_protocol] ?? snmp.AuthProtocols.sha;
      user.authKey = credential.auth_key;
      if (credential.priv_protocol && credential.priv_key) {
        user.level = snmp.SecurityLevel.authPriv;
        user.privProtocol = PRIV_PROTOCOLS[credential.priv_protocol] ?? snmp.PrivProtocols.aes;
        user.privKey = credential.priv_key;
      }
    }
    session = snmp.createV3Session(host, user, { ...common, version: snmp.Version3 });
  }
  // A socket error (EHOSTUNREACH on a send) must not become an uncaught
  // 'error' event; the pending request times out and becomes a result.
  session.on('error', () => {});
  let closed = false;
  return {
    get: (oids) =>
      new Promise((resolve, reject) => {
        try {
          session.get([...oids], (err, varbinds) => {
            if (err) reject(toRequestError(err));
            else resolve((varbinds ?? []).map((vb) => decodeVarbind(vb)));
          });
        } catch (err) {
          reject(toRequestError(err));
        }
      }),
    getBulk: (oids, maxRepetitions) =>
      new Promise((resolve, reject) => {
        try {
          session.getBulk([...oids], 0, maxRepetitions, (err, varbinds) => {
            if (err) {
              reject(toRequestError(err));
              return;
            }
            const out: SnmpVarbind[][] = oids.map(() => []);
            for (const [i, column] of (varbinds ?? []).entries()) {
              const list = Array.isArray(column) ? column : [column];
              out[i] = list.map((vb) => decodeVarbind(vb));
            }
            resolve(out);
          });
        } catch (err) {
          reject(toRequestError(err));
        }
      }),
    close: () => {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } catch {
        // Already closed by a socket error: nothing left to release.
      }
    },
  };
};
