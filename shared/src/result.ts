import { Type, type Static } from '@sinclair/typebox';
import { UUID_V7_PATTERN } from './ids.js';
import { NAME_PATTERN, ResultLimits } from './constants.js';

/** A field value: a number (with its unit in the field's name), a string or a boolean. */
export const FieldValue = Type.Union([
  Type.Number(),
  Type.String({ maxLength: ResultLimits.maxStringFieldChars }),
  Type.Boolean(),
]);
/** A field value. */
export type FieldValue = Static<typeof FieldValue>;

/**
 * Field names whose unit cannot be negative: durations (`_ms`, `_s`),
 * sizes (`_bytes`), rates (`_mbps`, `_bps`), frequencies (`_ghz`) and
 * percentages (`_pct`). A negative round trip or loss is a broken probe or
 * a forged result, never a measurement. Signed quantities keep units that
 * may be negative (`rssi_dbm`, `snr_db`).
 */
export const NON_NEGATIVE_FIELD_PATTERN = '_(ms|s|bytes|mbps|bps|ghz|pct)$';

/** A field value whose unit (by {@link NON_NEGATIVE_FIELD_PATTERN}) cannot be negative. */
const NonNegativeFieldValue = Type.Union([
  Type.Number({ minimum: 0 }),
  Type.String({ maxLength: ResultLimits.maxStringFieldChars }),
  Type.Boolean(),
]);

/**
 * The measured values of a result, keyed by snake_case name with a unit
 * suffix. Two rules that both hold: every name and value is a field, and
 * names with a non-negative unit carry no negative number.
 */
export const Fields = Type.Intersect(
  [
    Type.Record(Type.String({ pattern: NAME_PATTERN }), FieldValue, {
      maxProperties: ResultLimits.maxFields,
      additionalProperties: false,
    }),
    Type.Record(Type.String({ pattern: NON_NEGATIVE_FIELD_PATTERN }), NonNegativeFieldValue),
  ],
  {
    description:
      'Measured values, keyed by snake_case name with a unit suffix (rtt_avg_ms); durations, sizes, rates and percentages are never negative.',
  },
);
/** The measured values of a result. */
export type Fields = Static<typeof Fields>;

/** Labels that say what was measured (target host, interface, room). */
export const Tags = Type.Record(
  Type.String({ pattern: NAME_PATTERN }),
  Type.String({ maxLength: ResultLimits.maxTagValueChars }),
  {
    maxProperties: ResultLimits.maxTags,
    additionalProperties: false,
    description: 'Labels of what was measured: target, interface, room.',
  },
);
/** Labels of a result. */
export type Tags = Static<typeof Tags>;

/** One measurement as a probe reports it, before it has an id or owner. */
export const Measurement = Type.Object(
  {
    measurement: Type.String({
      pattern: NAME_PATTERN,
      description: 'What kind of result (latency, throughput, host).',
    }),
    fields: Fields,
    tags: Tags,
    at: Type.String({ format: 'date-time', description: 'When it was measured, RFC 3339 UTC.' }),
  },
  { additionalProperties: false },
);
/** One measurement as a probe reports it. */
export type Measurement = Static<typeof Measurement>;

/** One stored result, as it travels from agent to collector. */
export const Result = Type.Object(
  {
    id: Type.String({
      pattern: UUID_V7_PATTERN,
      description: 'UUIDv7, unique and time-ordered; ingest is idempotent on it.',
    }),
    agent_id: Type.String({ minLength: 1, maxLength: 64 }),
    school_id: Type.String({ minLength: 1, maxLength: 64 }),
    measurement: Type.String({ pattern: NAME_PATTERN }),
    fields: Fields,
    tags: Tags,
    at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);
/** One stored result. */
export type Result = Static<typeof Result>;

/** The `--json` output of `skolnet-agent assess`. */
export const AssessReport = Type.Object(
  { results: Type.Array(Measurement) },
  { additionalProperties: false },
);
/** The `--json` output of `skolnet-agent assess`. */
export type AssessReport = Static<typeof AssessReport>;
