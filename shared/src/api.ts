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

/** A school as `GET /api/v1/schools` lists it. */
export const SchoolSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    municipality: Type.String(),
    pupils: Type.Integer({ minimum: 0 }),
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
  },
  { additionalProperties: false },
);
/** `POST /api/v1/schools` body. */
export type CreateSchool = Static<typeof CreateSchool>;
