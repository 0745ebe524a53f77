import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { PRIVATE_FILE_MODE, ensurePrivateDir } from '../storage/file-modes.js';

/**
 * The two keys of pupil data, held in files outside the database so a copy
 * of the database (a backup, a dump) reveals neither a name nor a personal
 * code, and cannot even test a guessed personal code against a pseudonym:
 *
 * - the pseudonym key: HMAC-SHA-256 of the personal code, the pupil's
 *   pseudonym for every join and count;
 * - the encryption key: AES-256-GCM over the name and personal code.
 *
 * Each is 32 random bytes, base64 on one line, in a file of mode 600 in a
 * directory of mode 700. Both can be rotated: the new key is written beside
 * the old one as `<name>.next`, the database is re-keyed in one transaction
 * that also records the new key's id, and only then does the new file
 * replace the old. A crash in between is settled at the next load by the
 * key id the database holds ({@link settleRotation}).
 */

/** The two kinds of key. */
export type PupilKeyKind = 'pseudonym' | 'encryption';

/** Bytes of each key: 256 bits, AES-256's key size and HMAC-SHA-256's block-safe length. */
export const PUPIL_KEY_BYTES = 32;

/** GCM nonce length recommended by NIST SP 800-38D §8.2 (96 bits). */
const GCM_IV_BYTES = 12;

/** Prefix of sealed text, so a later format can be told apart. */
const SEALED_VERSION = 'v1';

const fileOf = (dir: string, kind: PupilKeyKind): string => join(dir, `${kind}.key`);

/** A key's id: the first 16 hex digits of its SHA-256, safe to store beside the data. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const keyError = (message: string, cause?: unknown): SkolnetError =>
  new SkolnetError(
    ErrorCodes.CONFIG_INVALID,
    `pupil-data keys: ${message}`,
    cause === undefined ? {} : { cause },
  );

function readKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  // Like ssh with a private key: a key others can read is refused, not used.
  if ((mode & 0o077) !== 0) {
    throw keyError(`${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== PUPIL_KEY_BYTES)
    throw keyError(`${path} does not hold a ${PUPIL_KEY_BYTES}-byte base64 key`);
  return key;
}

function writeKeyFile(path: string, key: Buffer): void {
  // `wx`: never overwrite a key in place; rotation renames.
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
}

/** The keys in use, and what they do. */
export class PupilKeys {
  readonly #pseudonymKey: Buffer;
  readonly #encryptionKey: Buffer;
  /** Id of the pseudonym key, recorded in the database with the pseudonyms it made. */
  readonly pseudonymKeyId: string;
  /** Id of the encryption key, carried in every sealed value. */
  readonly encryptionKeyId: string;

  constructor(pseudonymKey: Buffer, encryptionKey: Buffer) {
    this.#pseudonymKey = pseudonymKey;
    this.#encryptionKey = encryptionKey;
    this.pseudonymKeyId = keyId(pseudonymKey);
    this.encryptionKeyId = keyId(encryptionKey);
  }

  /** The pseudonym of a normalised personal code (`NNNNNN-NNNNN`): 64 hex digits. */
  pseudonym(normalizedCode: string): string {
    return createHmac('sha256', this.#pseudonymKey).update(normalizedCode, 'utf8').digest('hex');
  }

  /**
   * Seals `plain` with AES-256-GCM. `context` (the record and field, say
   * `pupil:<id>:name`) is bound as associated data, so a sealed value
   * copied into another record or field no longer opens.
   */
  seal(plain: string, context: string): string {
    const iv = randomBytes(GCM_IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
    return [SEALED_VERSION, this.encryptionKeyId, ...parts].join('.');
  }

  /** Opens a value {@link seal} made with this key and `context`; throws when it was altered or is another key's. */
  open(sealed: string, context: string): string {
    const [version, id, iv, tag, body] = sealed.split('.');
    if (version !== SEALED_VERSION || body === undefined) throw keyError('a sealed value is malformed');
    if (id !== this.encryptionKeyId) throw keyError(`a sealed value is of key ${id}, not the key in use`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#encryptionKey, Buffer.from(iv!, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag!, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (err) {
      // The text says nothing of what was sealed.
      throw keyError('a sealed value does not authenticate (altered, or sealed for another record)', err);
    }
  }
}

/**
 * Loads the keys from `dir`, creating the directory (mode 700) and any
 * missing key (mode 600) first. Throws `SKOLNET_CONFIG_INVALID` for a key
 * others can read or a file that is not a key.
 */
export function loadPupilKeys(dir: string): PupilKeys {
  ensurePrivateDir(dir, true);
  const keys = (['pseudonym', 'encryption'] as const).map((kind) => {
    const path = fileOf(dir, kind);
    if (!existsSync(path)) writeKeyFile(path, randomBytes(PUPIL_KEY_BYTES));
    return readKeyFile(path);
  });
  return new PupilKeys(keys[0]!, keys[1]!);
}

/** A rotation under way: the keys to re-key with, and how to finish or abandon it. */
export interface StagedRotation {
  kind: PupilKeyKind;
  /** The keys after rotation (the other kind unchanged). */
  keys: PupilKeys;
  /** The new key's id, which the re-keying transaction records. */
  newKeyId: string;
  /** Makes the new key the one in use; call after the database committed. */
  commit(): void;
  /** Drops the new key; call when the database did not commit. */
  abandon(): void;
}

/**
 * Writes a new key of `kind` as `<kind>.key.next` beside the current one
 * and returns the keys to re-key the database with. Refuses while another
 * rotation's file is there.
 */
export function stageRotation(dir: string, kind: PupilKeyKind): StagedRotation {
  const path = fileOf(dir, kind);
  const next = `${path}.next`;
  if (existsSync(next)) throw keyError(`a rotation of the ${kind} key is already under way (${next})`);
  const fresh = randomBytes(PUPIL_KEY_BYTES);
  writeKeyFile(next, fresh);
  const other = readKeyFile(fileOf(dir, kind === 'pseudonym' ? 'encryption' : 'pseudonym'));
  const keys = kind === 'pseudonym' ? new PupilKeys(fresh, other) : new PupilKeys(other, fresh);
  return {
    kind,
    keys,
    newKeyId: keyId(fresh),
    commit: () => renameSync(next, path),
    abandon: () => rmSync(next, { force: true }),
  };
}

/**
 * Settles a rotation a crash interrupted: when `<kind>.key.next` exists and
 * its id is the one the database records (`recordedId`), the database was
 * re-keyed and the new key takes over; otherwise the database kept the old
 * key and the new file is dropped. Returns whether the new key took over.
 */
export function settleRotation(dir: string, kind: PupilKeyKind, recordedId: string | undefined): boolean {
  const path = fileOf(dir, kind);
  const next = `${path}.next`;
  if (!existsSync(next)) return false;
  if (recordedId !== undefined && keyId(readKeyFile(next)) === recordedId) {
    renameSync(next, path);
    return true;
  }
  rmSync(next, { force: true });
  return false;
}
