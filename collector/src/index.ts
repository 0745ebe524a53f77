/**
 * @skolnet/collector: the ministry-side server. This is the package's one
 * public entry; everything else is internal.
 */
export { buildApp, type BuildAppOptions, type CollectorLoggerOption } from './app.js';
export {
  startCollector,
  DATABASE_FILE,
  pidFileFor,
  type RunningCollector,
  type StartCollectorOptions,
} from './server.js';
export {
  AccountService,
  CLI_ACTOR,
  generatePassword,
  publicUser,
  type Actor,
  type PublicUser,
} from './auth/account-service.js';
export {
  createAuthConfig,
  type AuthConfig,
  type AuthConfigOverrides,
  type OidcConfig,
} from './auth/auth-config.js';
export { ROLES, ROLE_SCOPES, type Role, type Scope } from './auth/roles.js';
export {
  MUNICIPALITIES,
  MERGED_MUNICIPALITIES,
  findMunicipality,
  type Municipality,
  type MunicipalityKind,
} from './schools/municipalities.js';
export { LATVIA_BOUNDS, SCHOOL_TYPES, checkRegisterFields, insideLatvia } from './schools/register-rules.js';
export { credentialWriter } from './runtime/credential-output.js';
export {
  createSqliteStore,
  createStore,
  KyselyStore,
  DEFAULT_POOL_SIZE,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  type StoreOptions,
} from './storage/kysely-store.js';
export { parseDatabaseUrl, redactDatabaseUrl, sqliteDatabaseUrl } from './storage/database-url.js';
export { livePid } from './storage/pid-file.js';
export type {
  AgentAuthentication,
  AgentConfigChange,
  AgentConfigStore,
  AgentFlag,
  AgentStore,
  EnrollmentStore,
  MetaStore,
  ResultStore,
  RetentionStore,
  RollupStore,
  SchoolStore,
  AgentSummary,
  FingerprintRecord,
  AgentRow,
  DeleteOutcome,
  EnrolledAgent,
  HourlyRollup,
  InsertOutcome,
  IssuedEnrollmentCode,
  LatestResultsOptions,
  NewAgent,
  NewSchool,
  RefreshRollupsOptions,
  ResultFilter,
  RollupQuery,
  SchoolRow,
  Store,
  StoredResult,
} from './storage/store.js';
export {
  scoreSchool,
  scoreFigures,
  extractFigures,
  extractFiguresFromRollups,
  type ScoringRollup,
  type SchoolScore,
  type ScoreInput,
  type ScoreComponents,
  type ScoreFigures,
} from './scoring/school-score.js';
export { DEFAULT_SCORING_CONFIG, parseScoringConfig, type ScoringConfig } from './scoring/score-config.js';
export { solveMckp, bruteForceMckp, type McSchool, type McSolution } from './planning/mckp.js';
export { buildPlan, DEFAULT_BUDGET_EUR, type Plan } from './planning/plan.js';
export { DEFAULT_PLAN_ECONOMICS, type PlanEconomics } from './planning/economics.js';
export { runScenarios, SCENARIOS, type ScenarioReport } from './planning/scenarios.js';
export { generateOptions, type PlanSchool, type SchoolInventory } from './planning/options.js';
export { loadCostCatalog, type CostCatalog } from './planning/catalog.js';
export {
  PLANNING_INPUTS_META_KEY,
  type PlanningInputs,
  type SchoolPlanningInput,
} from './planning/plan-data.js';
export type { CollectorConfig, CollectorConfigOverrides } from './plugins/config-plugin.js';
export type { SchoolDetail } from './routes/schools-plugin.js';
export {
  DEFAULT_ACCEPTANCE_THRESHOLDS,
  acceptanceVerdict,
  type AcceptanceThresholds,
  type Verdict,
} from './acceptance/verdict.js';
export { verifyReport, parseSignature, splitEmbedded } from './acceptance/report-signature.js';
export { createChromiumPdfRenderer, findChromium, type PdfRenderer } from './runtime/report-pdf.js';
export { REPORT_KEY_FILE, REPORT_KEY_PATH } from './security/report-key.js';
