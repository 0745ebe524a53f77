/**
 * @skolnet/collector: the ministry-side server. This is the package's one
 * public entry; everything else is internal.
 */
export { buildApp, type BuildAppOptions, type CollectorLoggerOption } from './app.js';
export {
  startCollector,
  DATABASE_FILE,
  type RunningCollector,
  type StartCollectorOptions,
} from './server.js';
export { ensureAdminToken, resetAdminToken } from './auth/admin-token.js';
export { createSqliteStore, KyselyStore } from './storage/kysely-store.js';
export type {
  AgentRow,
  EnrolledAgent,
  InsertOutcome,
  IssuedEnrollmentCode,
  LatestResultsOptions,
  NewAgent,
  NewSchool,
  ResultFilter,
  SchoolRow,
  Store,
  StoredResult,
} from './storage/store.js';
export {
  scoreSchool,
  type SchoolScore,
  type ScoreInput,
  type ScoreComponents,
} from './scoring/simple-score.js';
export type { CollectorConfig, CollectorConfigOverrides } from './plugins/config-plugin.js';
export type { SchoolDetail } from './routes/schools-plugin.js';
