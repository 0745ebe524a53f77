import { ApiError } from '../../api/client.js';
import type { Violation } from '../support/types.js';

/**
 * Why a form was not accepted, in stable codes only, so the page says it
 * in its own language: the rule violations the API answered (each with its
 * lv and en text), codes per field, and a code for a refusal that belongs
 * to no field or rule.
 */
export interface FormFailure {
  /** Field name → stable code of what is wrong with the field. */
  fields: Readonly<Record<string, string>>;
  /** The rules the write broke (`SKOLNET_SUPPORT_...`), with the API's lv and en text. */
  violations: readonly Violation[];
  /** A refusal tied to no field or rule (`SKOLNET_API_CONFLICT`, `NETWORK`, ...). */
  general?: string;
}

/** Code of a field left empty that the form needs; the pages' own, not the API's. */
export const REQUIRED = 'required';

const isViolation = (v: unknown): v is Violation =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Violation).code === 'string' &&
  typeof (v as Violation).lv === 'string' &&
  typeof (v as Violation).en === 'string';

/**
 * The field a 400 answer names: the service says `personal_code: ...`,
 * fastify's validation `body/grade must be ...` or `body must have
 * required property 'grade'` (collector/src/plugins/error-handler.ts).
 */
function fieldNamed(message: string, fields: readonly string[]): string | undefined {
  const named =
    /^(?:body\/)?([a-z_]+)\b/.exec(message)?.[1] ?? /property '([a-z_]+)'/.exec(message)?.[1] ?? '';
  const head = named === 'body' ? (/property '([a-z_]+)'/.exec(message)?.[1] ?? '') : named;
  return fields.includes(head) ? head : undefined;
}

/**
 * Reads a refused write as a {@link FormFailure}: a 422 rule refusal's
 * violations, a 400 that names one of `fields` as that field's
 * `SKOLNET_API_BAD_REQUEST` (with the violations it carries, as a bad
 * personal code's), anything else as its code. The server's
 * English message is never shown as it is: the page speaks lv or en.
 */
export function failureOf(err: unknown, fields: readonly string[]): FormFailure {
  if (!(err instanceof ApiError)) return { fields: {}, violations: [], general: 'UNEXPECTED' };
  const body = err.body as { violations?: unknown } | undefined;
  if (err.status === 422 && Array.isArray(body?.violations)) {
    return { fields: {}, violations: body.violations.filter(isViolation) };
  }
  if (err.status === 400) {
    // A bad personal code is a 400 naming its field, with the rule's violation (lv and en) beside it.
    const violations = Array.isArray(body?.violations) ? body.violations.filter(isViolation) : [];
    const field = fieldNamed(err.message, fields);
    if (field !== undefined) return { fields: { [field]: err.code }, violations };
  }
  return { fields: {}, violations: [], general: err.code };
}

/** Whether a failure has anything to show. */
export function hasFailure(f: FormFailure | undefined): f is FormFailure {
  return (
    f !== undefined &&
    (Object.keys(f.fields).length > 0 || f.violations.length > 0 || f.general !== undefined)
  );
}

/** A failure of the pages' own checks before anything is sent: field → code. */
export function fieldFailure(fields: Record<string, string | undefined>): FormFailure | undefined {
  const found = Object.fromEntries(
    Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return Object.keys(found).length > 0 ? { fields: found, violations: [] } : undefined;
}
