import type { Static, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { STRING_FORMATS, type ValidationIssue, type Validator } from './validation.js';

for (const [name, test] of Object.entries(STRING_FORMATS)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, test);
}

/**
 * A fast validator of `schema`, compiled on its first use. Modules create
 * their validators at load time; compiling there would cost every program
 * the generated code of checks it may never run (the agent's `run` never
 * checks an enrollment answer), so compilation waits for the first check.
 */
export function createValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
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
