import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  SqliteDialect,
  type SqliteDatabase,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import { ErrorCodes, SkolnetError, openSqlite, uuidv7, type Result } from '@skolnet/shared';
import {
  generateEnrollmentCode,
  generateSecret,
  normalizeEnrollmentCode,
  sha256Hex,
} from '../security/secrets.js';
import { createMigrationProvider } from './migrations/migration-provider.js';
import type {
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
} from './store.js';

interface EnrollmentCodeRow {
  code_hash: string;
  school_id: string;
  expires_at: string;
  used_at: string | null;
  agent_id: string | null;
}

interface ResultRow {
  id: string;
  agent_id: string;
  school_id: string;
  measurement: string;
  /** JSON text of the result's fields. */
  fields: string;
  /** JSON text of the result's tags. */
  tags: string;
  at: string;
  received_at: string;
}

interface MetaRow {
  key: string;
  value: string;
}

/** The collector's tables as Kysely sees them. */
export interface CollectorDatabase {
  schools: SchoolRow;
  enrollment_codes: EnrollmentCodeRow;
  agents: AgentRow;
  results: ResultRow;
  meta: MetaRow;
}

/**
 * Rows per INSERT statement: 100 rows × 8 columns stays far below
 * SQLite's bound-parameter limit (32,766 since 3.32) and PostgreSQL's (65,535).
 */
const INSERT_CHUNK_ROWS = 100;

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
 * SQLite waits this long for a lock held by another connection (say the
 * `admin-token --reset` command beside a running server), in ms.
 */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Prepared statements kept per SQLite connection. Kysely prepares every
 * query afresh; ingest repeats the same few INSERTs thousands of times a
 * second, and preparing a 100-row INSERT costs about as much as running
 * it. 256 covers every distinct query the collector makes with room over.
 */
const SQLITE_STATEMENT_CACHE_SIZE = 256;

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

/** Runs every pending migration; throws `SKOLNET_STORE_FAILED` naming the one that failed. */
export async function migrateToLatest(db: Kysely<CollectorDatabase>): Promise<void> {
  const migrator = new Migrator({ db, provider: createMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `database migration ${failed} failed`, { cause: error });
  }
}

/**
 * The {@link Store} over Kysely. Only the query builder is used here, so
 * the same class serves every dialect Kysely supports; dialect specifics
 * (pragmas, pools) live in the factories such as {@link createSqliteStore}.
 */
export class KyselyStore implements Store {
  readonly #db: Kysely<CollectorDatabase>;
  /** The result INSERT compiled once per row count, for this store's dialect. */
  readonly #insertSql = new Map<number, string>();

  /** Wraps an open, migrated database; the store owns it from now on. */
  constructor(db: Kysely<CollectorDatabase>) {
    this.#db = db;
  }

  async createSchool(school: NewSchool, now: Date = new Date()): Promise<SchoolRow> {
    const row: SchoolRow = {
      id: uuidv7(now.getTime()),
      name: school.name,
      municipality: school.municipality,
      pupils: school.pupils,
      created_at: now.toISOString(),
    };
    await this.#db.insertInto('schools').values(row).execute();
    return row;
  }

  async listSchools(): Promise<SchoolRow[]> {
    const rows = await this.#db.selectFrom('schools').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toSchool);
  }

  async getSchool(id: string): Promise<SchoolRow | undefined> {
    const row = await this.#db.selectFrom('schools').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSchool(row);
  }

  async createEnrollmentCode(
    schoolId: string,
    ttlMs: number,
    now: Date = new Date(),
  ): Promise<IssuedEnrollmentCode> {
    if (!(await this.getSchool(schoolId))) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
    }
    const code = generateEnrollmentCode();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.#db
      .insertInto('enrollment_codes')
      .values({
        code_hash: sha256Hex(normalizeEnrollmentCode(code)),
        school_id: schoolId,
        expires_at: expiresAt,
        used_at: null,
        agent_id: null,
      })
      .execute();
    return { code, expires_at: expiresAt };
  }

  async redeemEnrollmentCode(code: string, agent: NewAgent, now: Date = new Date()): Promise<EnrolledAgent> {
    const codeHash = sha256Hex(normalizeEnrollmentCode(code));
    const at = now.toISOString();
    return this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('enrollment_codes')
        .select(['school_id', 'expires_at', 'used_at'])
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      // One message for unknown, used and expired alike: telling them apart
      // would help someone probing for codes, and the remedy is the same.
      const invalid = (): SkolnetError =>
        new SkolnetError(
          ErrorCodes.ENROLL_CODE_INVALID,
          'enrollment code is unknown, already used or expired',
        );
      if (row === undefined || row.used_at !== null || row.expires_at <= at) throw invalid();

      const secret = generateSecret();
      const agentRow: AgentRow = {
        id: uuidv7(now.getTime()),
        school_id: row.school_id,
        secret_hash: sha256Hex(secret),
        hostname: agent.hostname,
        agent_version: agent.agent_version,
        enrolled_at: at,
        last_seen_at: null,
      };
      await trx.insertInto('agents').values(agentRow).execute();
      // The `used_at is null` guard makes the claim atomic even where two
      // transactions read the unused code concurrently (PostgreSQL): only
      // one update matches, the other rolls back with its agent.
      const claimed = await trx
        .updateTable('enrollment_codes')
        .set({ used_at: at, agent_id: agentRow.id })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) throw invalid();
      return { agent_id: agentRow.id, school_id: agentRow.school_id, secret };
    });
  }

  async findAgent(id: string): Promise<AgentRow | undefined> {
    return this.#db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async touchAgent(id: string, at: Date = new Date(), agentVersion?: string): Promise<void> {
    await this.#db
      .updateTable('agents')
      .set(
        agentVersion === undefined
          ? { last_seen_at: at.toISOString() }
          : { last_seen_at: at.toISOString(), agent_version: agentVersion },
      )
      .where('id', '=', id)
      .execute();
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
    const inserted = await this.#db.transaction().execute(async (trx) => {
      let count = 0;
      for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
        count += await this.#insertIgnoringDuplicates(trx, rows.slice(i, i + INSERT_CHUNK_ROWS));
      }
      return count;
    });
    return { inserted, duplicates: rows.length - inserted };
  }

  async latestResults(schoolId: string, options: LatestResultsOptions): Promise<StoredResult[]> {
    if (!options.perMeasurement) {
      const rows = await this.#db
        .selectFrom('results')
        .selectAll()
        .where('school_id', '=', schoolId)
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
    newest.sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at)));
    return newest.slice(0, options.limit);
  }

  async resultsForScoring(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
  ): Promise<StoredResult[]> {
    if (measurements !== undefined && measurements.length === 0) return [];
    let query = this.#db
      .selectFrom('results')
      .selectAll()
      .where('school_id', '=', schoolId)
      .where('at', '>=', since.toISOString());
    if (measurements !== undefined) query = query.where('measurement', 'in', [...measurements]);
    const rows = await query.orderBy('at', 'desc').limit(MAX_SCORING_ROWS).execute();
    return rows.reverse().map(toStoredResult);
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

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
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

/** A {@link SqliteDatabase} whose statements are prepared once and reused. */
function withStatementCache(db: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        if (cache.size >= SQLITE_STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function toSchool(row: SchoolRow): SchoolRow {
  // PostgreSQL may hand integers back as strings, SQLite as numbers.
  return { ...row, pupils: Number(row.pupils) };
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
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = openSqlite(path);
  try {
    // WAL lets readers (dashboards) proceed while a batch is being written,
    // and lets a second process (the admin-token command) open the file.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // SQLite leaves foreign keys off unless asked, per connection.
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `cannot open database ${path}`, { cause: err });
  }
  const db = new Kysely<CollectorDatabase>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new KyselyStore(db);
}
