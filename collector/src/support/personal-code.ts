/**
 * The Latvian personal code (personas kods), checked before it is ever
 * hashed or encrypted. Two forms exist:
 *
 * - codes issued before 1 July 2017: `DDMMYY-CNNNN`, the birth date, a
 *   century digit (0: 1800s, 1: 1900s, 2: 2000s), three serial digits and a
 *   check digit;
 * - codes issued since: `32NNNN-NNNNN`, no birth date and no check digit
 *   (Population Register Law as amended in 2017; the prefix 32 keeps them
 *   apart from dates, no day being 32).
 */

/** What kind of code a valid one is. */
export type PersonalCodeKind = 'dated' | 'undated';

/** A parsed code, or why it is not one (text without the code in it). */
export type PersonalCodeCheck =
  | { ok: true; kind: PersonalCodeKind; /** `NNNNNN-NNNNN`. */ normalized: string }
  | { ok: false; reason: string };

/**
 * Weights of the check digit of the dated form: the digit is
 * (1101 − Σ wᵢ·dᵢ) mod 11 over the first ten digits, and a code whose sum
 * gives 10 is never issued.
 */
const CHECK_WEIGHTS = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;

/** Checks a typed personal code (a hyphen or none; spaces around ignored). */
export function checkPersonalCode(typed: string): PersonalCodeCheck {
  const compact = typed.trim().replace('-', '');
  if (!/^\d{11}$/.test(compact)) return { ok: false, reason: 'a personal code is 11 digits, NNNNNN-NNNNN' };
  const normalized = `${compact.slice(0, 6)}-${compact.slice(6)}`;
  if (compact.startsWith('32')) return { ok: true, kind: 'undated', normalized };
  const digits = [...compact].map(Number);
  const day = digits[0]! * 10 + digits[1]!;
  const month = digits[2]! * 10 + digits[3]!;
  const yy = digits[4]! * 10 + digits[5]!;
  const century = digits[6]!;
  if (century > 2) return { ok: false, reason: 'the seventh digit (century) must be 0, 1 or 2' };
  const year = 1800 + century * 100 + yy;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return { ok: false, reason: 'the first six digits are not a date of birth' };
  }
  const sum = CHECK_WEIGHTS.reduce((acc, w, i) => acc + w * digits[i]!, 0);
  const check = (1101 - sum) % 11;
  if (check === 10 || check !== digits[10]) return { ok: false, reason: 'the check digit does not match' };
  return { ok: true, kind: 'dated', normalized };
}
