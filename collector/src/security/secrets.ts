import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * Bytes of randomness in agent secrets: 256 bits, so
 * guessing is hopeless and a plain (unsalted) SHA-256 suffices to store them.
 */
export const SECRET_BYTES = 32;

/** Lower-case hex SHA-256 of a UTF-8 string. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/**
 * Whether `plain` hashes to `expectedHash`, compared in constant time so
 * the comparison leaks nothing about how much of a guess was right.
 */
export function matchesHash(plain: string, expectedHash: string): boolean {
  const actual = Buffer.from(sha256Hex(plain), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  // Both are SHA-256 digests; a stored hash of another length is corrupt and never matches.
  if (actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}

/** A new random secret (an agent secret) as base64url text. */
export function generateSecret(): string {
  return randomBytes(SECRET_BYTES).toString('base64url');
}

/**
 * Crockford's base32 alphabet: no I, L, O or U, so a code read aloud or
 * copied from paper is hard to get wrong (https://www.crockford.com/base32.html).
 */
const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Characters in an enrollment code: 10 × 5 bits = 50 bits, far beyond what
 * anyone can guess while a code lives (hours to days, one use).
 */
export const ENROLLMENT_CODE_CHARS = 10;

/** A new enrollment code, grouped for typing: `7KQ2M-XT9PA`. */
export function generateEnrollmentCode(): string {
  let code = '';
  for (let i = 0; i < ENROLLMENT_CODE_CHARS; i += 1) {
    code += CROCKFORD_ALPHABET[randomInt(CROCKFORD_ALPHABET.length)];
  }
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/**
 * The canonical form of a typed enrollment code: upper case, separators
 * dropped, and the look-alikes Crockford decodes (I/L → 1, O → 0) mapped,
 * so `7kq2m xt9pa` and `7KQ2M-XT9PA` redeem the same code.
 */
export function normalizeEnrollmentCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}
