import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { ErrorCodes, SkolnetError, type Result } from '@skolnet/shared';
import type { StoreDialect } from '../migrations/migration-provider.js';
import type {
  InsertOutcome,
  LatestResultsOptions,
  ResultFilter,
  ResultStore,
  StoredResult,
} from '../store.js';
import { compareText, INSERT_CHUNK_ROWS, type KyselyContext } from './context.js';
import { issuedLaptopAgents } from './issued-laptops.js';
import { markDirtyHours } from './rollups.js';
import type { CollectorDatabase, ResultRow } from './rows.js';

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

/** The columns of `results` in the order {@link KyselyResults} binds them when inserting. */
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
 * Results: ingest, idempotent on id, which marks the hours it touches for
 * their rollups in the same transaction, and the reads of the dashboards
 * and the scoring, bounded by the read horizon.
 */
export class KyselyResults implements ResultStore {
  readonly #db: Kysely<CollectorDatabase>;
  readonly #context: KyselyContext;
  /** Which database: PostgreSQL has its own bulk INSERT. */
  readonly dialect: StoreDialect;

  /** The result INSERT compiled once per row count, for this store's dialect. */
  readonly #insertSql = new Map<number, string>();

  constructor(context: KyselyContext) {
    this.#db = context.db;
    this.#context = context;
    this.dialect = context.dialect;
  }

  #transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    return this.#context.transaction(fn);
  }

  #until(explicit: Date | undefined): string | undefined {
    return this.#context.until(explicit);
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
        .where('agent_id', 'not in', issuedLaptopAgents(this.#db))
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
        .where('agent_id', 'not in', issuedLaptopAgents(this.#db))
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
    return this.#resultsOf('school', schoolId, since, measurements, until);
  }

  async issuedLaptopResults(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    return this.#resultsOf('issued_laptop', schoolId, since, measurements, until);
  }

  /** A school's results from its own machines, or from the laptops issued to its pupils only. */
  async #resultsOf(
    source: 'school' | 'issued_laptop',
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
      .where('at', '<=', this.#until(until) ?? NO_UPPER_BOUND)
      .where('agent_id', source === 'school' ? 'not in' : 'in', issuedLaptopAgents(this.#db));
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
 * stays the sorted id order {@link KyselyResults.insertResults} relies on.
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
