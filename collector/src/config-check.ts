import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';

/**
 * Checks of the collector's configuration files (scoring config, cost
 * catalog, tender prices, plan economics, planning inputs) against their
 * TypeBox schemas. A bad file stops with `SKOLNET_CONFIG_INVALID` and one
 * message that names the key, what was expected there and what was found:
 * `scoring config: components.loss.weight: expected a number from 0 to 100, got "x"`.
 * What was expected is read from the schema itself, so the message and the
 * check cannot disagree. Pure: no I/O.
 */

/** A schema option: what a value must be, in words, where the schema's own keywords would say it poorly. */
export interface ExpectedOption {
  /** Replaces the description derived from the schema in error messages, e.g. `an IANA time zone`. */
  expected?: string;
}

/**
 * A check of `schema` that returns the value, typed, or throws
 * `SKOLNET_CONFIG_INVALID` as `<what>: <key>: expected <…>, got <…>`
 * for the first problem. Compiled on first use, so loading a module costs
 * nothing for files it never reads.
 */
export function createConfigCheck<S extends TSchema>(schema: S, what: string): (value: unknown) => Static<S> {
  let compiled: TypeCheck<S> | undefined;
  return (value) => {
    compiled ??= TypeCompiler.Compile(schema);
    if (compiled.Check(value)) return value;
    const first = compiled.Errors(value).First();
    // Check and Errors come from one schema: a failed check has an error.
    throw configError(what, first!);
  };
}

/** The `SKOLNET_CONFIG_INVALID` error of `issue` in the file called `what`. */
export function configError(what: string, issue: ValueError): SkolnetError {
  const key = keyOf(issue.path);
  if (issue.type === ValueErrorType.ObjectAdditionalProperties) {
    const known = Object.keys((issue.schema as { properties?: object }).properties ?? {});
    const name = key.replace(/^.*[.[]/, '').replace(/\]$/, '');
    return invalid(what, key, known.length > 0 ? `one of ${known.join(', ')}` : 'no key', name);
  }
  return invalid(what, key, expectedOf(issue.schema), issue.value);
}

/** `<what>: <key>: expected <expected>, got <got>`, as `SKOLNET_CONFIG_INVALID`. */
export function invalid(what: string, key: string, expected: string, got: unknown): SkolnetError {
  // JSON.stringify gives undefined only for what JSON has not (undefined itself, functions, symbols).
  const shown = got === undefined ? 'nothing' : (JSON.stringify(got) ?? typeof got);
  return new SkolnetError(ErrorCodes.CONFIG_INVALID, `${what}: ${key}: expected ${expected}, got ${shown}`);
}

/** `/components/loss/points/1` → `components.loss.points[1]`; the root is `(root)`. */
export function keyOf(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(root)';
  let key = '';
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    key += /^\d+$/.test(part) ? `[${part}]` : key === '' ? part : `.${part}`;
  }
  return key;
}

interface Described {
  [Kind]?: string;
  expected?: string;
  type?: unknown;
  const?: unknown;
  enum?: unknown[];
  anyOf?: TSchema[];
  items?: TSchema | TSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** What `schema` accepts, in words: `a number from 0 to 100`, `one of "a", "b"`, `[a number, a number]`. */
export function expectedOf(schema: TSchema): string {
  const s = schema as Described;
  if (s.expected !== undefined) return s.expected;
  switch (s[Kind]) {
    case 'Number':
    case 'Integer':
      return numberWords(s, s[Kind] === 'Integer' ? 'an integer' : 'a number');
    case 'String':
      return (s.minLength ?? 0) > 0 ? 'a non-empty string' : 'a string';
    case 'Boolean':
      return 'true or false';
    case 'Null':
      return 'null';
    case 'Literal':
      return JSON.stringify(s.const) ?? String(s.const);
    case 'Object':
    case 'Record':
      return 'an object';
    case 'Tuple':
      return `[${((s.items as TSchema[] | undefined) ?? []).map(expectedOf).join(', ')}]`;
    case 'Array': {
      const of = `a list of ${plural(expectedOf(s.items as TSchema))}`;
      return (s.minItems ?? 0) > 0 ? `${of}, at least ${s.minItems}` : of;
    }
    case 'Union':
      return (s.anyOf ?? []).map(expectedOf).join(' or ');
    case 'Unsafe':
      if (s.enum !== undefined) return `one of ${s.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return 'a value of another shape';
}

function numberWords(s: Described, noun: string): string {
  const min = s.minimum ?? s.exclusiveMinimum;
  const max = s.maximum ?? s.exclusiveMaximum;
  if (s.minimum !== undefined && s.maximum !== undefined) return `${noun} from ${min} to ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`${s.minimum === undefined ? '>' : '>='} ${min}`);
  if (max !== undefined) parts.push(`${s.maximum === undefined ? '<' : '<='} ${max}`);
  return parts.length === 0 ? noun : `${noun} ${parts.join(' and ')}`;
}

/** `a number from 0 to 1` → `numbers from 0 to 1`, for "a list of …". */
function plural(words: string): string {
  return words
    .replace(/^an? number/, 'numbers')
    .replace(/^an integer/, 'integers')
    .replace(/^an? string/, 'strings')
    .replace(/^a non-empty string/, 'non-empty strings')
    .replace(/^an object/, 'objects');
}
