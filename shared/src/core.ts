/**
 * `@skolnet/shared/core`: the contract without TypeBox. Constants, errors,
 * ids, units, percentiles, the SQLite driver, lesson hours, the types of every schema, and validators
 * generated from the schemas at build time. The agent's long-running path
 * imports this instead of `@skolnet/shared`: loading TypeBox's modules and
 * compiling checks at run time cost it about 6 MB of steady memory in
 * ten-minute runs (docs/footprint.md). A failed check still loads TypeBox, once, to
 * say what is wrong.
 */
export * from './errors.js';
export * from './ids.js';
export * from './units.js';
export * from './statistics.js';
export * from './constants.js';
export * from './validation.js';
export * from './precompiled.js';
export * from './sqlite-driver.js';
export * from './lesson-hours.js';
export type { FieldValue, Fields, Tags, Measurement, Result, AssessReport } from './result.js';
export type {
  AgentRole,
  HardwareFingerprint,
  Hello,
  Welcome,
  OutboxReport,
  Batch,
  Rejection,
  Ack,
  ProbeConfig,
  Timetable,
  AcceptanceCampaign,
  AgentConfig,
  ConfigPush,
  ConfigOffer,
  ConfigAck,
  ErrorMessage,
  SecretRotate,
  SecretPush,
  SecretAck,
  SecretConfirmed,
  AgentMessage,
  CollectorMessage,
  EnrollRequest,
  EnrollResponse,
  UploadReport,
} from './protocol.js';
export type { Band, SchoolSummary, CreateSchool, SchoolType } from './api.js';
