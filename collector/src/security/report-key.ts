import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { keyId } from '../acceptance/report-signature.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../storage/file-modes.js';

/** File of the report-signing key in the data directory (PKCS#8 PEM, owner read and write only). */
export const REPORT_KEY_FILE = 'report-signing-key.pem';

/** Where the collector publishes the public key of its report signatures. */
export const REPORT_KEY_PATH = '/.well-known/skolnet-report-key';

/** The collector's report-signing key pair. */
export interface ReportKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The key's id, as reports name it. */
  keyId: string;
  /** The public key as SPKI PEM, for the well-known URL and `verify-report --key`. */
  publicPem: string;
}

function fromPrivate(privateKey: KeyObject): ReportKey {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    keyId: keyId(publicKey),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A fresh key kept in memory only (tests, or a collector with no data directory). */
export function ephemeralReportKey(): ReportKey {
  return fromPrivate(generateKeyPairSync('ed25519').privateKey);
}

/**
 * The report-signing key in `dir`, generated on first use. The file is
 * created with mode 600 in one exclusive open (no moment where another
 * user could read it) and its mode is checked on every load: a key others
 * can read is refused, since anyone holding it can sign reports.
 * @throws SkolnetError `SKOLNET_CONFIG_INVALID` for a key file others can read or that is not an Ed25519 key.
 */
export function loadOrCreateReportKey(dir: string): ReportKey {
  const path = join(dir, REPORT_KEY_FILE);
  if (!existsSync(path)) {
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
      chmodSync(dir, PRIVATE_DIR_MODE);
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    try {
      // 'wx': fails if another process created it meanwhile; that one's key is then used.
      const fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
      try {
        writeSync(fd, pem);
      } finally {
        closeSync(fd);
      }
      chmodSync(path, PRIVATE_FILE_MODE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (process.platform !== 'win32') {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        `${REPORT_KEY_FILE}: mode ${mode.toString(8)} lets others read the report-signing key; chmod 600 it`,
      );
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(readFileSync(path));
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${REPORT_KEY_FILE}: not a private key`, {
      cause: err,
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${REPORT_KEY_FILE}: expected an Ed25519 key`);
  }
  return fromPrivate(key);
}
