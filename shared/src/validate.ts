import type { Static, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

// RFC 3339 date-time, as JSON Schema's "date-time" format means it. TypeBox
// leaves formats to the application; fastify's ajv brings its own.
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
}

/** One reason a value does not match its schema. */
export interface ValidationIssue {
  /** JSON pointer to the offending value, e.g. `/results/3/fields/rtt_ms`. */
  path: string;
  /** What was expected there. */
  message: string;
}

/** Outcome of {@link Validator.check}. */
export type Validation<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/** A compiled schema check. */
export interface Validator<S extends TSchema> {
  /** Checks `value`; on failure lists at most `maxIssues` issues. */
  check(value: unknown, maxIssues?: number): Validation<Static<S>>;
}

/**
 * A fast validator of `schema`, compiled on its first use. Modules create
 * their validators at load time; compiling there would cost every program
 * the generated code of checks it may never run (the agent's `run` never
 * checks an enrollment answer), so compilation waits for the first check.
 */
export function createValidator<S extends TSchema>(schema: S): Validator<S> {
  let compiled: TypeCheck<S> | undefined;
  return {
    check(value, maxIssues = 5) {
      compiled ??= TypeCompiler.Compile(schema);
      if (compiled.Check(value)) return { ok: true, value };
      const issues: ValidationIssue[] = [];
      for (const e of compiled.Errors(value)) {
        issues.push({ path: e.path || '/', message: e.message });
        if (issues.length >= maxIssues) break;
      }
      return { ok: false, issues };
    },
  };
}

/** Formats validation issues as one readable line. */
export function formatIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
