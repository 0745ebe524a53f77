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

/** Whether `v` is an RFC 3339 date-time that names a real instant. */
export function isDateTime(v: string): boolean {
  return DATE_TIME.test(v) && !Number.isNaN(Date.parse(v));
}

/** The string formats the schemas use, by name. */
export const STRING_FORMATS: Readonly<Record<string, (v: string) => boolean>> = {
  'date-time': isDateTime,
};

/** Formats validation issues as one readable line. */
export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
