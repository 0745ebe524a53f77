import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';
import { STRING_FORMATS } from '@skolnet/shared';

type ValidatorFactory = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildValidator'];
type BuildCompiler = ReturnType<typeof AjvCompiler>;
/** The ajv options fastify passes (never JTD mode here). */
interface AjvServerOptions {
  customOptions?: Record<string, unknown>;
  plugins?: unknown[];
  onCreate?: (ajv: { addFormat(name: string, test: (v: string) => boolean): unknown }) => void;
}
type PoolOptions = Parameters<BuildCompiler>[1];
type RouteDefinition = Parameters<ReturnType<BuildCompiler>>[0];
type AjvValidate = ReturnType<ReturnType<BuildCompiler>>;

/** One reason a request part was refused, in ajv's shape so fastify names the field. */
interface FiniteIssue {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, never>;
  message: string;
}

/** Request parts that arrive as text, where "12" can only mean the number 12. */
const TEXT_PARTS = new Set(['querystring', 'params', 'headers']);

/**
 * The first number in `value` that is not finite, as a JSON pointer
 * (`/budget`), or undefined. Ajv leaves such numbers through: a query
 * string `Infinity` coerces to the number Infinity, and a JSON body's
 * `1e400` parses to it, and ajv checks `minimum`/`maximum` only on finite
 * numbers (its range keywords are gated on `isFinite`).
 */
export function findNonFinite(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path || '/';
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNonFinite(value[i], `${path}/${i}`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    // JSON pointer escaping (RFC 6901 §3).
    const found = findNonFinite(item, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** What each of skolnet's string formats asks for, in words. */
const FORMAT_MESSAGES: Readonly<Record<string, string>> = {
  'plain-text': 'must be plain text (no control characters such as NUL or line breaks, no lone surrogates)',
  'date-time': 'must be an RFC 3339 date-time on a real calendar day',
};

/**
 * Ajv reports an unknown property at its parent (`/probes/latency/options
 * must NOT have additional properties`); this puts the property's own
 * path in the message, so a refusal names the field to remove; a
 * failed format says what the format means.
 */
function namingTheField<
  E extends { keyword: string; instancePath: string; params: object; message?: string },
>(error: E): E {
  const format = (error.params as { format?: unknown }).format;
  if (error.keyword === 'format' && typeof format === 'string' && format in FORMAT_MESSAGES)
    return { ...error, message: FORMAT_MESSAGES[format] };
  const extra = (error.params as { additionalProperty?: unknown }).additionalProperty;
  if (error.keyword !== 'additionalProperties' || typeof extra !== 'string') return error;
  const key = extra.replace(/~/g, '~0').replace(/\//g, '~1');
  return { ...error, instancePath: `${error.instancePath}/${key}`, message: 'is not allowed here' };
}

/** `validate`, then refuse any number in the validated (and coerced) value that is not finite. */
function withFiniteNumbers(validate: AjvValidate): AjvValidate {
  const checked = function (this: unknown, data: unknown, ...rest: unknown[]): boolean {
    const ok = (validate as (this: unknown, d: unknown, ...r: unknown[]) => boolean).call(
      this,
      data,
      ...rest,
    );
    if (!ok) {
      checked.errors = validate.errors?.map(namingTheField) ?? null;
      return false;
    }
    const at = findNonFinite(data);
    if (at === undefined) {
      checked.errors = null;
      return true;
    }
    const issue: FiniteIssue = {
      instancePath: at === '/' ? '' : at,
      schemaPath: '#',
      keyword: 'finite',
      params: {},
      message: 'must be a finite number',
    };
    checked.errors = [issue];
    return false;
  } as AjvValidate;
  checked.errors = null;
  return checked;
}

/**
 * The collector's request validator, for fastify's
 * `schemaController.compilersFactory.buildValidator`: the one place where
 * every query string, path parameter, header and body is checked.
 *
 * - JSON bodies are checked without type coercion: `"pupils": "12"` is a
 *   string and refused, not silently made 12. Query strings, path
 *   parameters and headers are text by nature and keep fastify's
 *   coercion (`?bytes=1000` is the number 1000).
 * - Every number must be finite, wherever it is (see {@link findNonFinite}).
 * - String formats are skolnet's own (`STRING_FORMATS` of
 *   `@skolnet/shared`), so a `date-time` or `plain-text` means the same
 *   here as in the agent's checks and the stream ingest.
 */
export function createRequestValidatorFactory(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas, ajvOptions) => {
    const base = (ajvOptions ?? {}) as AjvServerOptions;
    const onCreate: AjvServerOptions['onCreate'] = (ajv) => {
      // After ajv-formats, so these replace its definitions of the same names.
      for (const [name, test] of Object.entries(STRING_FORMATS)) ajv.addFormat(name, test);
      base.onCreate?.(ajv);
    };
    const text = pool(externalSchemas, { ...base, onCreate } as PoolOptions);
    const json = pool(externalSchemas, {
      ...base,
      onCreate,
      customOptions: { ...base.customOptions, coerceTypes: false },
    } as PoolOptions);
    return (route: RouteDefinition) => {
      const compile = route.httpPart !== undefined && TEXT_PARTS.has(route.httpPart) ? text : json;
      return withFiniteNumbers(compile(route));
    };
  };
}
