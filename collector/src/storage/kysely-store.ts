import type { Kysely } from 'kysely';
import type {
  AgentConfig,
  AgentRole,
  ConfigAck,
  HardwareFingerprint,
  Result,
  Timetable,
} from '@skolnet/shared';
import { KyselyAcceptanceStore, type AcceptanceTables } from './acceptance-store.js';
import { KyselyAccountStore, type AccountTables } from './account-store.js';
import { KyselySupportStore, type SupportTables } from './support-store.js';
import { KyselySchoolItStore, type SchoolItTables } from './school-it-store.js';
import { KyselySchoolRegisterStore, type RegisterTables } from './school-register-store.js';
import { parseDatabaseUrl } from './database-url.js';
import type { CollectorDatabase } from './kysely/rows.js';
import { KyselyContext } from './kysely/context.js';
import { KyselyAgentConfigs } from './kysely/agent-configs.js';
import { KyselyAgents } from './kysely/agents.js';
import { KyselyEnrollment } from './kysely/enrollment.js';
import { KyselyMeta } from './kysely/meta.js';
import { KyselyResults } from './kysely/results.js';
import { KyselyRollups } from './kysely/rollups.js';
import { KyselyRetention } from './kysely/retention.js';
import { KyselySchools } from './kysely/schools.js';
import { openPostgresDatabase, type PostgresOptions } from './kysely/postgres-connection.js';
import { openSqliteDatabase } from './kysely/sqlite-connection.js';
import type { StoreDialect } from './migrations/migration-provider.js';
import type {
  AgentAuthentication,
  AgentConfigChange,
  AgentRow,
  AgentSummary,
  DeleteOutcome,
  HourlyRollup,
  EnrolledAgent,
  FingerprintRecord,
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
} from './store.js';

// The pool's defaults are part of the store's public face (the collector's entry exports them).
export { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS } from './kysely/postgres-connection.js';

/**
 * The {@link Store} over Kysely. Only the query builder is used, so the
 * same code serves every dialect Kysely supports; dialect specifics
 * (pragmas, pools) live in the factories such as {@link createSqliteStore}.
 *
 * A thin composition: each part of {@link Store} is a module of its own
 * under `kysely/` (schools, enrollment, agents, agent configurations,
 * results, rollups, retention, settings), all over one shared
 * {@link KyselyContext} (connection, transactions, read horizon); the
 * feature stores (accounts, support, register, school IT, acceptance)
 * are modules beside this one. Nothing outside `storage/` imports from
 * `kysely/`: callers use this class, its factories and the interfaces of
 * `store.ts` (a lint rule holds this).
 */
export class KyselyStore implements Store {
  readonly #db: Kysely<CollectorDatabase>;
  /** Which database this store talks to. */
  readonly dialect: StoreDialect;
  /** People's accounts, sessions, tokens and the audit log. */
  readonly accounts: KyselyAccountStore;
  /** Pupil-support records (migration 0009-support). */
  readonly support: KyselySupportStore;
  /** The school register's edits (migration 0007-school-register). */
  readonly register: KyselySchoolRegisterStore;
  /** School IT's enrollment codes and agent names (migration 0007-school-register). */
  readonly schoolIt: KyselySchoolItStore;
  /** Vendor contracts, acceptance campaigns and reports. */
  readonly acceptance: KyselyAcceptanceStore;

  /** The connection, transactions and read horizon every part shares. */
  readonly #context: KyselyContext;
  readonly #schools: KyselySchools;
  readonly #meta: KyselyMeta;
  readonly #enrollment: KyselyEnrollment;
  readonly #agents: KyselyAgents;
  readonly #agentConfigs: KyselyAgentConfigs;
  readonly #rollups: KyselyRollups;
  readonly #results: KyselyResults;
  readonly #retention: KyselyRetention;

  /** SQLite's `data_version` of this store's connection; undefined on PostgreSQL. */
  readonly #dataVersion: (() => number) | undefined;

  /** Wraps an open, migrated database; the store owns it from now on. */
  constructor(db: Kysely<CollectorDatabase>, dialect: StoreDialect = 'sqlite', dataVersion?: () => number) {
    this.#db = db;
    this.dialect = dialect;
    this.#dataVersion = dataVersion;
    // The account tables live in their own module; the same connection serves them.
    this.accounts = new KyselyAccountStore(db as unknown as Kysely<AccountTables>);
    this.support = new KyselySupportStore(db as unknown as Kysely<SupportTables>, dialect);
    this.register = new KyselySchoolRegisterStore(db as unknown as Kysely<RegisterTables>);
    this.schoolIt = new KyselySchoolItStore(db as unknown as Kysely<SchoolItTables>);
    this.acceptance = new KyselyAcceptanceStore(db as unknown as Kysely<AcceptanceTables>);
    this.#context = new KyselyContext(db, dialect);
    this.#schools = new KyselySchools(this.#context, this.register);
    this.#meta = new KyselyMeta(this.#context);
    this.#enrollment = new KyselyEnrollment(this.#context, this.#schools);
    this.#agents = new KyselyAgents(this.#context, this.#schools);
    this.#agentConfigs = new KyselyAgentConfigs(this.#context, this.#agents);
    this.#rollups = new KyselyRollups(this.#context);
    this.#results = new KyselyResults(this.#context);
    this.#retention = new KyselyRetention(this.#context);
  }

  /**
   * SQLite's `PRAGMA data_version`: it changes when another connection (the
   * `demo:seed` script, `skolnet-collector user …`, a second collector on
   * the file) has committed since this connection last looked, and never
   * for this connection's own writes, so the school read model re-reads
   * exactly when another process wrote. Undefined on PostgreSQL, where
   * several collectors share the database and the read model's age bounds
   * how late they see each other's writes.
   */
  externalChangeVersion(): Promise<number | undefined> {
    return Promise.resolve(this.#dataVersion?.());
  }

  setReadHorizon(horizon: (() => Date) | undefined): void {
    this.#context.setReadHorizon(horizon);
  }

  createSchool(school: NewSchool, now?: Date): Promise<SchoolRow> {
    return this.#schools.createSchool(school, now);
  }

  listSchools(): Promise<SchoolRow[]> {
    return this.#schools.listSchools();
  }

  getSchool(id: string): Promise<SchoolRow | undefined> {
    return this.#schools.getSchool(id);
  }

  createEnrollmentCode(
    schoolId: string,
    ttlMs: number,
    now?: Date,
    role?: AgentRole,
  ): Promise<IssuedEnrollmentCode> {
    return this.#enrollment.createEnrollmentCode(schoolId, ttlMs, now, role);
  }

  redeemEnrollmentCode(code: string, agent: NewAgent, now?: Date): Promise<EnrolledAgent> {
    return this.#enrollment.redeemEnrollmentCode(code, agent, now);
  }

  findAgent(id: string): Promise<AgentRow | undefined> {
    return this.#agents.findAgent(id);
  }

  touchAgent(id: string, at?: Date, agentVersion?: string): Promise<void> {
    return this.#agents.touchAgent(id, at, agentVersion);
  }

  authenticateAgent(id: string, secret: string, now?: Date): Promise<AgentAuthentication> {
    return this.#agents.authenticateAgent(id, secret, now);
  }

  listAgents(schoolId: string): Promise<AgentSummary[]> {
    return this.#agents.listAgents(schoolId);
  }

  describeAgent(id: string): Promise<AgentSummary | undefined> {
    return this.#agents.describeAgent(id);
  }

  revokeAgent(id: string, now?: Date): Promise<AgentRow> {
    return this.#agents.revokeAgent(id, now);
  }

  moveAgent(
    id: string,
    schoolId: string,
    now?: Date,
  ): Promise<{ agent: AgentRow; config?: AgentConfigChange }> {
    return this.#agents.moveAgent(id, schoolId, now);
  }

  requestSecretRotation(id: string, now?: Date): Promise<AgentRow> {
    return this.#agents.requestSecretRotation(id, now);
  }

  beginSecretRotation(id: string, now?: Date, keepPendingForMs?: number): Promise<string | undefined> {
    return this.#agents.beginSecretRotation(id, now, keepPendingForMs);
  }

  recordFingerprint(id: string, fingerprint: HardwareFingerprint, now?: Date): Promise<FingerprintRecord> {
    return this.#agents.recordFingerprint(id, fingerprint, now);
  }

  setSchoolAgentConfig(schoolId: string, config: AgentConfig, now?: Date): Promise<AgentConfigChange[]> {
    return this.#agentConfigs.setSchoolAgentConfig(schoolId, config, now);
  }

  schoolTimetables(): Promise<Map<string, Timetable>> {
    return this.#agentConfigs.schoolTimetables();
  }

  setAgentConfigOverride(agentId: string, config: AgentConfig, now?: Date): Promise<AgentConfigChange[]> {
    return this.#agentConfigs.setAgentConfigOverride(agentId, config, now);
  }

  recordConfigAck(agentId: string, ack: ConfigAck, now?: Date): Promise<void> {
    return this.#agentConfigs.recordConfigAck(agentId, ack, now);
  }

  insertResults(results: readonly Result[], receivedAt?: Date): Promise<InsertOutcome> {
    return this.#results.insertResults(results, receivedAt);
  }

  latestResults(schoolId: string, options: LatestResultsOptions): Promise<StoredResult[]> {
    return this.#results.latestResults(schoolId, options);
  }

  resultsForScoring(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    return this.#results.resultsForScoring(schoolId, since, measurements, until);
  }

  issuedLaptopResults(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    return this.#results.issuedLaptopResults(schoolId, since, measurements, until);
  }

  countResults(filter?: ResultFilter): Promise<number> {
    return this.#results.countResults(filter);
  }

  hourlyRollups(query: RollupQuery): Promise<HourlyRollup[]> {
    return this.#rollups.hourlyRollups(query);
  }

  refreshRollups(options?: RefreshRollupsOptions): Promise<number> {
    return this.#rollups.refreshRollups(options);
  }

  pendingRollupHours(): Promise<number> {
    return this.#rollups.pendingRollupHours();
  }

  deleteResultsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome> {
    return this.#retention.deleteResultsBefore(cutoff, limit);
  }

  deleteRollupsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome> {
    return this.#retention.deleteRollupsBefore(cutoff, limit);
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.#meta.getMeta(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.#meta.setMeta(key, value);
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }
}

/**
 * Opens (creating if needed) a SQLite database file, migrates it, and
 * returns a {@link KyselyStore}. `:memory:` gives a throwaway database.
 */
export async function createSqliteStore(path: string): Promise<KyselyStore> {
  const { db, dataVersion } = await openSqliteDatabase(path);
  return new KyselyStore(db, 'sqlite', dataVersion);
}

/** Options of {@link createStore}; they apply to PostgreSQL only. */
export type StoreOptions = PostgresOptions;

/**
 * Opens the database a URL names (`sqlite:PATH` or `postgres://…`, see
 * {@link parseDatabaseUrl}), migrates it, and returns a {@link KyselyStore}.
 * Throws `SKOLNET_CONFIG_INVALID` for a bad URL and `SKOLNET_STORE_FAILED`
 * when the database cannot be opened; no message contains the password.
 */
export async function createStore(url: string, options: StoreOptions = {}): Promise<KyselyStore> {
  const location = parseDatabaseUrl(url);
  if (location.dialect === 'sqlite') return createSqliteStore(location.path);
  return new KyselyStore(await openPostgresDatabase(location.url, location.display, options), 'postgres');
}
