import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import {
  ErrorCodes,
  SkolnetError,
  type AgentConfig,
  type AgentRole,
  type ConfigAck,
  type HardwareFingerprint,
  type Result,
  type Timetable,
} from '@skolnet/shared';
import { KyselyAcceptanceStore, type AcceptanceTables } from './acceptance-store.js';
import { KyselyAccountStore, type AccountTables } from './account-store.js';
import { KyselySupportStore, type SupportTables } from './support-store.js';
import { KyselySchoolItStore, type SchoolItTables } from './school-it-store.js';
import { KyselySchoolRegisterStore, type RegisterTables } from './school-register-store.js';
import { parseDatabaseUrl } from './database-url.js';
import type { CollectorDatabase, ResultRow } from './kysely/rows.js';
import { compareText, INSERT_CHUNK_ROWS, KyselyContext } from './kysely/context.js';
import { KyselyAgentConfigs } from './kysely/agent-configs.js';
import { KyselyAgents } from './kysely/agents.js';
import { KyselyEnrollment } from './kysely/enrollment.js';
import { KyselyMeta } from './kysely/meta.js';
import { markDirtyHours, KyselyRollups } from './kysely/rollups.js';
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

/**
 * Rows read per measurement to find the newest result of each target. A
 * probe measures a handful of targets, so the newest 200 rows of a
 * measurement contain the newest of every target that is still measured.
 */
const LATEST_SCAN_ROWS_PER_MEASUREMENT = 200;

/**
 * Most rows handed to the scoring per school: a week of 5-minute latency
 * probes to a few targets is ~10,000; beyond this the newest are kept.
 */
const MAX_SCORING_ROWS = 50_000;

/**
 * Upper bound of a read without one: above every `Date#toISOString` text
 * of a four-digit year, which the result schema's date-time format allows.
 */
const NO_UPPER_BOUND = '9999-12-31T23:59:59.999Z';

/** The columns of `results` in the order {@link KyselyStore} binds them when inserting. */
const RESULT_COLUMNS = [
  'id',
  'agent_id',
  'school_id',
  'measurement',
  'fields',
  'tags',
  'at',
  'received_at',
] as const satisfies readonly (keyof ResultRow)[];

/**
 * The {@link Store} over Kysely. Only the query builder is used here, so
 * the same class serves every dialect Kysely supports; dialect specifics
 * (pragmas, pools) live in the factories such as {@link createSqliteStore}.
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

  /** The result INSERT compiled once per row count, for this store's dialect. */
  readonly #insertSql = new Map<number, string>();

  /** The connection, transactions and read horizon every part shares. */
  readonly #context: KyselyContext;
  readonly #schools: KyselySchools;
  readonly #meta: KyselyMeta;
  readonly #enrollment: KyselyEnrollment;
  readonly #agents: KyselyAgents;
  readonly #agentConfigs: KyselyAgentConfigs;
  readonly #rollups: KyselyRollups;
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

  #transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    return this.#context.transaction(fn);
  }

  setReadHorizon(horizon: (() => Date) | undefined): void {
    this.#context.setReadHorizon(horizon);
  }

  #until(explicit: Date | undefined): string | undefined {
    return this.#context.until(explicit);
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

  async insertResults(results: readonly Result[], receivedAt: Date = new Date()): Promise<InsertOutcome> {
    if (results.length === 0) return { inserted: 0, duplicates: 0 };
    const received = receivedAt.toISOString();
    const rows: ResultRow[] = results.map((r) => ({
      id: r.id,
      agent_id: r.agent_id,
      school_id: r.school_id,
      measurement: r.measurement,
      fields: JSON.stringify(r.fields),
      tags: JSON.stringify(r.tags),
      // Normalised to UTC milliseconds so text comparison orders by time
      // whatever offset the agent wrote.
      at: new Date(r.at).toISOString(),
      received_at: received,
    }));
    // One lock order for every batch: two overlapping batches inserted
    // concurrently (an agent resending while the first send is still being
    // stored) then wait for each other on PostgreSQL instead of deadlocking.
    rows.sort((a, b) => compareText(a.id, b.id));
    const inserted = await this.#transaction(async (trx) => {
      let count = 0;
      if (this.dialect === 'postgres') {
        count = await insertResultsUnnest(trx, rows);
      } else {
        for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
          count += await this.#insertIgnoringDuplicates(trx, rows.slice(i, i + INSERT_CHUNK_ROWS));
        }
      }
      // The hours these results fall in need their rollups recomputed; marked
      // in the same transaction, so a crash cannot store a result and forget
      // its rollup. A batch of duplicates only changes nothing.
      if (count > 0) await markDirtyHours(trx, rows);
      return count;
    });
    return { inserted, duplicates: rows.length - inserted };
  }

  async latestResults(schoolId: string, options: LatestResultsOptions): Promise<StoredResult[]> {
    // The far future as the bound when there is none keeps one query shape.
    const until = this.#until(options.until) ?? NO_UPPER_BOUND;
    if (!options.perMeasurement) {
      const rows = await this.#db
        .selectFrom('results')
        .selectAll()
        .where('school_id', '=', schoolId)
        .where('at', '<=', until)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit)
        .execute();
      return rows.map(toStoredResult);
    }
    const measurements = await this.#db
      .selectFrom('results')
      .select('measurement')
      .distinct()
      .where('school_id', '=', schoolId)
      .execute();
    const newest: StoredResult[] = [];
    for (const { measurement } of measurements) {
      const rows = await this.#db
        .selectFrom('results')
        .selectAll()
        .where('school_id', '=', schoolId)
        .where('measurement', '=', measurement)
        .where('at', '<=', until)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(LATEST_SCAN_ROWS_PER_MEASUREMENT)
        .execute();
      const seenTargets = new Set<string>();
      for (const row of rows) {
        const result = toStoredResult(row);
        const target = result.tags['target'] ?? '';
        if (seenTargets.has(target)) continue;
        seenTargets.add(target);
        newest.push(result);
      }
    }
    // Code-unit order, like the database's: ids and timestamps are ASCII.
    newest.sort((a, b) => compareText(b.at, a.at) || compareText(b.id, a.id));
    return newest.slice(0, options.limit);
  }

  async resultsForScoring(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    if (measurements !== undefined && measurements.length === 0) return [];
    let query = this.#db
      .selectFrom('results')
      .selectAll()
      .where('school_id', '=', schoolId)
      .where('at', '>=', since.toISOString())
      .where('at', '<=', this.#until(until) ?? NO_UPPER_BOUND);
    if (measurements !== undefined) query = query.where('measurement', 'in', [...measurements]);
    const rows = await query.orderBy('at', 'desc').limit(MAX_SCORING_ROWS).execute();
    return rows.reverse().map(toStoredResult);
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

  async countResults(filter: ResultFilter = {}): Promise<number> {
    let query = this.#db.selectFrom('results').select((eb) => eb.fn.countAll().as('n'));
    if (filter.schoolId !== undefined) query = query.where('school_id', '=', filter.schoolId);
    if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
    if (filter.measurement !== undefined) query = query.where('measurement', '=', filter.measurement);
    const row = await query.executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
    return Number(row.n);
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

  async #insertIgnoringDuplicates(trx: Transaction<CollectorDatabase>, rows: ResultRow[]): Promise<number> {
    // The query builder compiles the statement once per row count; only
    // the parameters change between batches, so building and compiling it
    // again for every chunk would be wasted work on the ingest path.
    const parameters: unknown[] = [];
    for (const row of rows) for (const column of RESULT_COLUMNS) parameters.push(row[column]);
    let sql = this.#insertSql.get(rows.length);
    if (sql === undefined) {
      const compiled = trx
        .insertInto('results')
        .values(rows)
        .onConflict((oc) => oc.column('id').doNothing())
        .compile();
      // The cached SQL is reused with parameters bound in RESULT_COLUMNS
      // order; a row built in another key order would bind values to the
      // wrong columns, so that is refused here rather than stored.
      if (
        compiled.parameters.length !== parameters.length ||
        compiled.parameters.some((p, i) => p !== parameters[i])
      ) {
        throw new SkolnetError(ErrorCodes.INTERNAL, 'result INSERT binds columns in an unexpected order');
      }
      sql = compiled.sql;
      this.#insertSql.set(rows.length, sql);
    }
    // Both dialects report only the rows actually inserted when a conflict
    // is ignored, which is exactly the "new" count.
    const outcome = await trx.executeQuery(CompiledQuery.raw(sql, parameters));
    return Number(outcome.numAffectedRows ?? 0n);
  }
}

/**
 * PostgreSQL's own bulk form of the result INSERT: one statement with one
 * array parameter per column, however many rows. The portable multi-row
 * VALUES form sends 800 parameters per 100 rows and has the server parse
 * and plan a statement that large for every chunk, which cost more than
 * the rows themselves; this one is planned once per group. Rows are
 * inserted in array order (ORDER BY the ordinality), so the lock order
 * stays the sorted id order {@link KyselyStore.insertResults} relies on.
 */
async function insertResultsUnnest(
  trx: Transaction<CollectorDatabase>,
  rows: readonly ResultRow[],
): Promise<number> {
  const columns = RESULT_COLUMNS.map((column) => rows.map((row) => row[column]));
  const outcome = await trx.executeQuery(
    CompiledQuery.raw(
      `insert into "results" (${RESULT_COLUMNS.map((c) => `"${c}"`).join(', ')})
       select ${RESULT_COLUMNS.map((c) => `r."${c}"`).join(', ')}
       from unnest(${RESULT_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')})
         with ordinality as r(${RESULT_COLUMNS.map((c) => `"${c}"`).join(', ')}, n)
       order by r.n
       on conflict ("id") do nothing`,
      columns,
    ),
  );
  // Only the rows actually inserted count, as for the VALUES form.
  return Number(outcome.numAffectedRows ?? 0n);
}

function toStoredResult(row: ResultRow): StoredResult {
  return {
    id: row.id,
    agent_id: row.agent_id,
    school_id: row.school_id,
    measurement: row.measurement,
    fields: JSON.parse(row.fields) as StoredResult['fields'],
    tags: JSON.parse(row.tags) as StoredResult['tags'],
    at: row.at,
    received_at: row.received_at,
  };
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
