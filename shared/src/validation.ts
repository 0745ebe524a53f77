/**
 * Validation results and the pieces of checking that need no TypeBox: the
 * `date-time` format, and formatting issues for people. `validate.ts`
 * compiles schemas at run time with TypeBox; `core.ts` serves checks
 * generated from the same schemas at build time.
 */

/** One reason a value does not match its schema. */
export interface ValidationIssue {
  /** JSON pointer to the offending value, e.g. `/results/3/fields/rtt_ms`. */
  path: string;
  /** What was expected there. */
  message: string;
}

/** Outcome of {@link Validator.check}. */
export type Validation<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** A check of values against one schema; `T` is the schema's type. */
export interface Validator<T> {
  /** Checks `value`; on failure lists at most `maxIssues` issues. */
  check(value: unknown, maxIssues?: number): Validation<T>;
}

// RFC 3339 date-time, as JSON Schema's "date-time" format means it. TypeBox
// leaves formats to the application; fastify's ajv brings its own.
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/** Days in `month` (1-12) of `year`, Gregorian leap years included. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Whether `v` is an RFC 3339 date-time that names a real instant. The
 * calendar is checked here because `Date.parse` is not strict: it reads
 * `2026-02-30` as 2 March, so an impossible date would be stored as
 * another day.
 */
export function isDateTime(v: string): boolean {
  if (!DATE_TIME.test(v)) return false;
  const year = Number(v.slice(0, 4));
  const month = Number(v.slice(5, 7));
  const day = Number(v.slice(8, 10));
  return day <= daysInMonth(year, month) && !Number.isNaN(Date.parse(v));
}

// C0 controls (NUL included), DEL, C1 controls, and, with the `u` flag, a
// surrogate that is not half of a pair (which no UTF-8 text can hold and
// storage would turn into U+FFFD).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const NOT_PLAIN_TEXT = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/u;

/**
 * Whether `v` is plain text fit for a name shown to people and stored:
 * no control characters (NUL, line breaks, tabs) and no lone surrogates.
 */
export function isPlainText(v: string): boolean {
  return !NOT_PLAIN_TEXT.test(v);
}

/**
 * The string formats the schemas use, by name. The collector's request
 * validation and the agent's checks both use these definitions.
 */
export const STRING_FORMATS: Readonly<Record<string, (v: string) => boolean>> = {
  'date-time': isDateTime,
  'plain-text': isPlainText,
};

/** Formats validation issues as one readable line. */
export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
