import { Type, type Static } from '@sinclair/typebox';

/** Score bands (docs/methodology.md): good 80+, moderate 50-79, priority below 50. */
export const Band = Type.Union([
  Type.Literal('good'),
  Type.Literal('moderate'),
  Type.Literal('priority'),
  Type.Literal('insufficient_data'),
]);
/** A score band. */
export type Band = Static<typeof Band>;

/**
 * A school's kind as the national register of education institutions
 * (Izglītības iestāžu reģistrs, kept in VIIS) classes it by "iestādes
 * veids": general education (vispārējās izglītības iestāde), special
 * education (speciālās izglītības iestāde), vocational (profesionālās
 * pamata un vidējās izglītības iestāde) and pre-school (pirmsskolas
 * izglītības iestāde).
 */
export const SchoolType = Type.Union([
  Type.Literal('general'),
  Type.Literal('special'),
  Type.Literal('vocational'),
  Type.Literal('preschool'),
]);
/** A school's kind in the national register. */
export type SchoolType = Static<typeof SchoolType>;

/**
 * The register fields of a school (migration 0007-school-register): null
 * where the register has not given them yet. Coordinates are WGS84 degrees.
 */
export const SchoolRegisterFields = {
  /** The school's number in the national register of education institutions. */
  registration_number: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  lat: Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()]),
  lon: Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()]),
  school_type: Type.Union([SchoolType, Type.Null()]),
  /** When the school left the register (closed or merged); its history stays. */
  retired_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
};

/** A school as `GET /api/v1/schools` lists it. */
export const SchoolSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    municipality: Type.String(),
    pupils: Type.Integer({ minimum: 0 }),
    ...SchoolRegisterFields,
    score: Type.Union([Type.Number({ minimum: 0, maximum: 100 }), Type.Null()]),
    band: Band,
  },
  { additionalProperties: false },
);
/** A school as `GET /api/v1/schools` lists it. */
export type SchoolSummary = Static<typeof SchoolSummary>;

/** `POST /api/v1/schools` body. */
export const CreateSchool = Type.Object(
  {
    // plain-text: no NUL, line breaks or other controls, no lone surrogates.
    name: Type.String({ minLength: 1, maxLength: 200, format: 'plain-text' }),
    municipality: Type.String({ minLength: 1, maxLength: 100, format: 'plain-text' }),
    pupils: Type.Integer({ minimum: 0, maximum: 100_000 }),
    // Register fields, optional; their rules (municipality list, Latvia's bounds, number
    // format) are checked by the collector's school register, which names the rule broken.
    registration_number: Type.Optional(Type.String({ minLength: 1, maxLength: 32, format: 'plain-text' })),
    address: Type.Optional(Type.String({ minLength: 1, maxLength: 300, format: 'plain-text' })),
    lat: Type.Optional(Type.Number()),
    lon: Type.Optional(Type.Number()),
    school_type: Type.Optional(SchoolType),
  },
  { additionalProperties: false },
);
/** `POST /api/v1/schools` body. */
export type CreateSchool = Static<typeof CreateSchool>;
