/**
 * @skolnet/shared: the contract between agent and collector. Schemas are
 * TypeBox, giving both the TypeScript type and the JSON Schema from one
 * source; a schema and its type share a name.
 */
export * from './errors.js';
export * from './ids.js';
export * from './units.js';
export * from './constants.js';
export * from './result.js';
export * from './protocol.js';
export * from './pushed-options.js';
export * from './api.js';
export * from './validation.js';
export * from './validate.js';
export * from './csv.js';
export { PRECOMPILED_SCHEMAS, renderChecks, type PrecompiledName } from './check-source.js';
export * from './sqlite-driver.js';
export * from './lesson-hours.js';
