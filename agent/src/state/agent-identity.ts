import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  DEFAULT_AGENT_ROLE,
  describeError,
  type AgentRole,
  type HardwareFingerprint,
} from '@skolnet/shared/core';
import { runSystemInformation, type SystemInformationOutcome } from '../system/run-system-information.js';
import type { Credentials } from './agent-state.js';

/** Prefix of every hostname pseudonym; tells a reader it is not a real hostname. */
export const PSEUDONYM_PREFIX = 'laptop-';
/**
 * Hex characters of the keyed hash in a pseudonym: 40 bits, so a school's
 * few hundred laptops practically never collide, and short enough to read.
 */
const PSEUDONYM_HEX_CHARS = 10;
/** Bytes of the random pseudonym key: 256 bits, beyond any guessing. */
const HOST_KEY_BYTES = 32;

/** A new random key for {@link hostPseudonym}, as base64url text. */
export function generateHostKey(): string {
  return randomBytes(HOST_KEY_BYTES).toString('base64url');
}

/**
 * The name an `issued_laptop` reports instead of its hostname, which may
 * name the pupil it was issued to: `laptop-` and a short HMAC-SHA-256 of
 * the lower-cased hostname under the agent's own random key. Stable for
 * one machine; without the key, a list of pupils' names cannot be turned
 * into pseudonyms to compare.
 */
export function hostPseudonym(hostname: string, key: string): string {
  const mac = createHmac('sha256', key).update(hostname.trim().toLowerCase(), 'utf8').digest('hex');
  return `${PSEUDONYM_PREFIX}${mac.slice(0, PSEUDONYM_HEX_CHARS)}`;
}

/**
 * How this agent names its host to the collector: the hostname itself, or
 * for an `issued_laptop` its pseudonym. Undefined means "as is".
 */
export function hostLabeller(
  credentials: Pick<Credentials, 'role' | 'host_key'>,
): ((hostname: string) => string) | undefined {
  const role: AgentRole = credentials.role ?? DEFAULT_AGENT_ROLE;
  if (role !== 'issued_laptop') return undefined;
  // A laptop enrolled without a key (hand-written credentials) still never
  // reveals its name: one fixed random key per process keeps it hidden.
  const key = credentials.host_key ?? processHostKey;
  return (hostname) => hostPseudonym(hostname, key);
}
const processHostKey = generateHostKey();

/** Domain separation of fingerprint hashes: they match no other program's hash of the same id. */
const FINGERPRINT_PREFIX = 'skolnet-fingerprint-v1';

/**
 * SMBIOS UUIDs that firmware vendors leave unset or copy onto every board
 * (all zeros, all ones, the well-known 03000200-… placeholder). Reporting
 * them would flag every such machine as a clone of every other.
 */
const PLACEHOLDER_UUIDS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
]);

/** SHA-256 (hex) of one hardware id of a kind, or undefined when the id is missing or a placeholder. */
export function hashHardwareId(
  kind: 'machine-id' | 'smbios-uuid',
  raw: string | undefined,
): string | undefined {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || /^0+$/.test(value.replace(/-/g, '')) || PLACEHOLDER_UUIDS.has(value)) return undefined;
  return createHash('sha256').update(`${FINGERPRINT_PREFIX}:${kind}:${value}`, 'utf8').digest('hex');
}

/** Seams of {@link readHardwareFingerprint}, for tests. */
export interface FingerprintSources {
  platform?: NodeJS.Platform;
  /** Reads a file as text; rejects when it is missing or unreadable. */
  readFile?: (path: string) => Promise<string>;
  /** systeminformation's `uuid()` (off the main thread), for platforms without files to read. */
  systemUuid?: () => Promise<SystemInformationOutcome>;
}

/** Time limit for systeminformation's uuid call, in ms (PowerShell on an old school PC is slow). */
const UUID_TIMEOUT_MS = 15_000;

/**
 * Hashes of this machine's id and SMBIOS system UUID. On Linux both are
 * files (`/etc/machine-id`, `/sys/class/dmi/id/product_uuid`; the latter is
 * root-only, so an unprivileged agent reports the machine id alone);
 * elsewhere systeminformation's `uuid()` gives both (MachineGuid or
 * IOPlatformUUID, and the SMBIOS UUID). Undefined when neither is known.
 * Never written to disk: a cached copy would travel with a cloned image.
 */
export async function readHardwareFingerprint(
  sources: FingerprintSources = {},
): Promise<HardwareFingerprint | undefined> {
  const platform = sources.platform ?? process.platform;
  const read = sources.readFile ?? ((path: string) => readFile(path, 'utf8'));
  const tryRead = async (...paths: string[]): Promise<string | undefined> => {
    for (const path of paths) {
      try {
        return await read(path);
      } catch {
        // Missing or unreadable: try the next source.
      }
    }
    return undefined;
  };
  let machineId: string | undefined;
  let smbiosUuid: string | undefined;
  if (platform === 'linux') {
    machineId = await tryRead('/etc/machine-id', '/var/lib/dbus/machine-id');
    smbiosUuid = await tryRead('/sys/class/dmi/id/product_uuid');
  } else {
    const outcome = await (sources.systemUuid ?? defaultSystemUuid)().catch(
      (err: unknown): SystemInformationOutcome => ({ ok: false, error: describeError(err) }),
    );
    if (outcome.ok && typeof outcome.value === 'object' && outcome.value !== null) {
      const v = outcome.value as { os?: unknown; hardware?: unknown };
      if (typeof v.os === 'string') machineId = v.os;
      if (typeof v.hardware === 'string') smbiosUuid = v.hardware;
    }
  }
  const fingerprint: HardwareFingerprint = {};
  const m = hashHardwareId('machine-id', machineId);
  const u = hashHardwareId('smbios-uuid', smbiosUuid);
  if (m !== undefined) fingerprint.machine_id_sha256 = m;
  if (u !== undefined) fingerprint.smbios_uuid_sha256 = u;
  return m === undefined && u === undefined ? undefined : fingerprint;
}

async function defaultSystemUuid(): Promise<SystemInformationOutcome> {
  const outcomes = await runSystemInformation(['uuid'], { timeoutMs: UUID_TIMEOUT_MS });
  return outcomes.uuid;
}

/**
 * {@link readHardwareFingerprint} read once per process and then reused:
 * the ids do not change while the agent runs, and every reconnect asks.
 */
export function cachedHardwareFingerprint(
  sources: FingerprintSources = {},
): () => Promise<HardwareFingerprint | undefined> {
  let pending: Promise<HardwareFingerprint | undefined> | undefined;
  return () => (pending ??= readHardwareFingerprint(sources).catch(() => undefined));
}
