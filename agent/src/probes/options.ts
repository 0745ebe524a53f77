import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';

/**
 * Probe options are described by small JSON-Schema-shaped specs (`type`,
 * `default`, `description`, bounds), so every option documents itself and
 * `{ type: 'object', properties: specs, additionalProperties: false }` is a
 * valid JSON Schema for the config file and `--help`.
 */

/** A numeric option. */
export interface NumberOptionSpec {
  type: 'number' | 'integer';
  default: number;
  minimum: number;
  maximum: number;
  description: string;
}

/** A string option; `''` conventionally means "not set". */
export interface StringOptionSpec {
  type: 'string';
  default: string;
  maxLength: number;
  description: string;
}

/** A yes/no option. */
export interface BooleanOptionSpec {
  type: 'boolean';
  default: boolean;
  description: string;
}

/** One option's spec. */
export type OptionSpec = NumberOptionSpec | StringOptionSpec | BooleanOptionSpec;

type SpecFor<V> = V extends number
  ? NumberOptionSpec
  : V extends string
    ? StringOptionSpec
    : V extends boolean
      ? BooleanOptionSpec
      : never;

/** Specs for every key of an options type `T`; a missing spec is a compile error. */
export type OptionSpecs<T> = { readonly [K in keyof T]-?: SpecFor<T[K]> };

/** The defaults of a set of specs. */
export function defaultOptions<T>(specs: OptionSpecs<T>): T {
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(specs as Record<string, OptionSpec>)) out[key] = spec.default;
  return out as T;
}

/**
 * Merges `raw` (from a config file or the collector) over the defaults and
 * validates it. Unknown keys are errors, so a misspelt option is caught
 * instead of silently ignored.
 *
 * @param probe probe name, for the error message (`probes.latency.count`)
 * @throws SkolnetError `CONFIG_INVALID` naming the key and what was expected
 */
export function resolveOptions<T>(probe: string, specs: OptionSpecs<T>, raw: unknown): T {
  const out = defaultOptions(specs) as Record<string, unknown>;
  if (raw === undefined || raw === null) return out as T;
  const fail = (key: string, expected: string, got: unknown): never => {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `probes.${probe}${key ? `.${key}` : ''}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`,
    );
  };
  if (typeof raw !== 'object' || Array.isArray(raw)) return fail('', 'an object of options', raw);
  const table = specs as Record<string, OptionSpec>;
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const spec = table[key];
    if (spec === undefined) {
      return fail(key, `one of the known options (${Object.keys(table).join(', ')})`, key);
    }
    switch (spec.type) {
      case 'number':
      case 'integer': {
        const ok =
          typeof value === 'number' &&
          Number.isFinite(value) &&
          (spec.type === 'number' || Number.isInteger(value)) &&
          value >= spec.minimum &&
          value <= spec.maximum;
        if (!ok)
          fail(
            key,
            `${spec.type === 'integer' ? 'an integer' : 'a number'} from ${spec.minimum} to ${spec.maximum}`,
            value,
          );
        break;
      }
      case 'string':
        if (typeof value !== 'string' || value.length > spec.maxLength) {
          fail(key, `a string of at most ${spec.maxLength} characters`, value);
        }
        break;
      case 'boolean':
        if (typeof value !== 'boolean') fail(key, 'true or false', value);
        break;
    }
    out[key] = value;
  }
  return out as T;
}
