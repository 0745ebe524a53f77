import { Type, type SchemaOptions, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

/**
 * Request schemas more than one route plugin uses, and the helpers that
 * write route schemas in TypeBox. A route plugin gets its handlers' types
 * from these schemas through fastify's TypeBox type provider
 * (`FastifyPluginAsyncTypebox`), so a schema and its type are one source
 * and a schema and its type share a name.
 *
 * The helpers keep the JSON Schema that fastify validates with (and that
 * the OpenAPI document shows) exactly as the routes declare it: a string
 * choice stays `{ type: 'string', enum: [...] }` and a nullable string
 * `{ type: ['string', 'null'] }`, where TypeBox's own `Union` would write
 * `anyOf` and change both the document and ajv's error messages.
 */

/** Longest id a path's `:id` takes (schools, agents, contracts), characters. */
export const MAX_ID_LENGTH = 64;

/** A path with one `:id`: a school, an agent or a contract, by its id. */
export const IdParams = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }) },
  { additionalProperties: false },
);
/** A path with one `:id`. */
export type IdParams = Static<typeof IdParams>;

/**
 * One of `values`, as `{ type: 'string', enum: values }`; its type is the
 * union of the values.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * A string or null, as `{ type: ['string', 'null'] }` with `options`
 * (`maxLength`: ajv applies string keywords to the string alone).
 */
export function NullableString(options: SchemaOptions = {}): TUnsafe<string | null> {
  return Type.Unsafe<string | null>({ ...options, type: ['string', 'null'] });
}

/** `schema` or null, as `{ anyOf: [schema, { type: 'null' }] }`. */
export function Nullable<S extends TSchema>(schema: S): TUnsafe<Static<S> | null> {
  return Type.Unsafe<Static<S> | null>({ anyOf: [schema, { type: 'null' }] });
}
