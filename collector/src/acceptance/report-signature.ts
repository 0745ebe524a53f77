import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Signatures of acceptance reports (docs/acceptance.md): Ed25519 (RFC 8032)
 * over the report's exact bytes. An HTML report carries its signature in a
 * last line after `</html>` (a comment, so browsers show nothing); any
 * report, the PDF included, can also have it beside it in a detached
 * `.sig` file. No fastify, no store: the collector signs with it and
 * `skolnet-collector verify-report` checks with it.
 */

/** What a signature says: which key, and the signature itself. */
export interface ReportSignature {
  /** Always `ed25519`. */
  alg: 'ed25519';
  /** {@link keyId} of the signing key. */
  key_id: string;
  /** Base64 Ed25519 signature of the signed bytes. */
  signature: string;
}

/** The start of an HTML report's signature line. */
export const EMBEDDED_SIGNATURE_PREFIX = '<!--skolnet-signature ';
const EMBEDDED_SIGNATURE_SUFFIX = '-->\n';

/**
 * A key's id: the first 16 hex digits of the SHA-256 of its public key
 * (SubjectPublicKeyInfo DER), so a report names the key that signed it
 * and a reader can tell a rotated key from a changed report.
 */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Signs `body` with the collector's private key. */
export function signReport(body: Uint8Array, privateKey: KeyObject): ReportSignature {
  const publicKey = createPublicKey(privateKey);
  return {
    alg: 'ed25519',
    key_id: keyId(publicKey),
    signature: sign(null, body, privateKey).toString('base64'),
  };
}

/** An HTML report with its signature line appended. */
export function embedSignature(html: string, signature: ReportSignature): string {
  const body = html.endsWith('\n') ? html : `${html}\n`;
  return `${body}${EMBEDDED_SIGNATURE_PREFIX}${JSON.stringify(signature)}${EMBEDDED_SIGNATURE_SUFFIX}`;
}

/** A file split into its signed bytes and its embedded signature, when it has one. */
export interface SplitReport {
  signed: Buffer;
  signature?: ReportSignature;
}

/** Reads a signature from JSON text; undefined when it is not one. */
export function parseSignature(text: string): ReportSignature | undefined {
  try {
    const v = JSON.parse(text) as Partial<ReportSignature>;
    if (v.alg === 'ed25519' && typeof v.key_id === 'string' && typeof v.signature === 'string') {
      return { alg: 'ed25519', key_id: v.key_id, signature: v.signature };
    }
  } catch {
    // Not JSON: no signature.
  }
  return undefined;
}

/** Splits a report file into the bytes that were signed and the embedded signature, if any. */
export function splitEmbedded(file: Buffer): SplitReport {
  const marker = Buffer.from(`\n${EMBEDDED_SIGNATURE_PREFIX}`);
  const at = file.lastIndexOf(marker);
  if (at < 0) return { signed: file };
  const line = file.subarray(at + marker.length).toString('utf8');
  if (!line.endsWith(EMBEDDED_SIGNATURE_SUFFIX)) return { signed: file };
  const signature = parseSignature(line.slice(0, -EMBEDDED_SIGNATURE_SUFFIX.length));
  return signature ? { signed: file.subarray(0, at + 1), signature } : { signed: file };
}

/** Why a verification failed, or that it did not. */
export type VerifyOutcome =
  | { ok: true; key_id: string }
  | { ok: false; reason: 'no_signature' | 'wrong_key' | 'bad_signature'; message: string };

/**
 * Checks a report file against a public key: its embedded signature, or
 * the detached one given. Any changed byte of the signed part fails.
 */
export function verifyReport(file: Buffer, publicKey: KeyObject, detached?: ReportSignature): VerifyOutcome {
  const split = splitEmbedded(file);
  const signature = detached ?? split.signature;
  const signed = detached ? file : split.signed;
  if (!signature) {
    return {
      ok: false,
      reason: 'no_signature',
      message: 'the report carries no signature and no .sig file was found beside it',
    };
  }
  const expectedKey = keyId(publicKey);
  if (signature.key_id !== expectedKey) {
    return {
      ok: false,
      reason: 'wrong_key',
      message: `the report was signed by key ${signature.key_id}, not by ${expectedKey}`,
    };
  }
  const good = verify(null, signed, publicKey, Buffer.from(signature.signature, 'base64'));
  return good
    ? { ok: true, key_id: expectedKey }
    : { ok: false, reason: 'bad_signature', message: 'the signature does not match: the report was changed' };
}
