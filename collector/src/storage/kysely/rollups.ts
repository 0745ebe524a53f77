import { randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { StoreDialect } from '../migrations/migration-provider.js';
import { hourOf, nextHour, summariseHour } from '../rollups.js';
import type {
  HourlyRollup,
  RefreshRollupsOptions,
  RollupQuery,
  RollupStore,
  StoredResult,
} from '../store.js';
import { compareText, INSERT_CHUNK_ROWS, type KyselyContext } from './context.js';
import { issuedLaptopAgents } from './issued-laptops.js';
import { RAW_HORIZON_META_KEY } from './retention.js';
import type { CollectorDatabase, ResultRow, RollupDirtyRow } from './rows.js';

/**
 * Raw rows a rollup refresh reads per transaction (a busy hour of a school
 * holds a few hundred), so a backlog commits in few transactions and none
 * holds ingest up for more than a few milliseconds.
 */
const REFRESH_ROWS_PER_TRANSACTION = 5_000;
/** Hours a rollup refresh recomputes per transaction at most, for the same reason. */
const REFRESH_HOURS_PER_TRANSACTION = 200;

/**
 * Hourly rollups: ingest marks the hours it adds results to
 * ({@link markDirtyHours}), and a refresh recomputes them from their raw
 * rows (the pure summary is `../rollups.ts`).
 */
export class KyselyRollups implements RollupStore {
  readonly #db: Kysely<CollectorDatabase>;
  readonly #context: KyselyContext;
  /** Which database: PostgreSQL takes row locks that SQLite does not need. */
  readonly dialect: StoreDialect;

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

  async hourlyRollups(query: RollupQuery): Promise<HourlyRollup[]> {
    if (query.measurements !== undefined && query.measurements.length === 0) return [];
    const until = this.#until(query.until);
    // Hours up to the one holding the bound; a later hour is neither
    // recomputed nor returned, so a result dated in the future (stored
    // before ingest refused them) never reaches a score.
    const lastHour = until === undefined ? undefined : hourOf(until);
    await this.refreshRollups({
      schoolId: query.schoolId,
      since: query.since,
      ...(lastHour === undefined ? {} : { before: new Date(nextHour(lastHour)) }),
    });
    let q = this.#db
      .selectFrom('rollups_hourly')
      .selectAll()
      .where('school_id', '=', query.schoolId)
      .where('hour', '>=', hourOf(query.since));
    if (lastHour !== undefined) q = q.where('hour', '<=', lastHour);
    if (query.measurements !== undefined) q = q.where('measurement', 'in', [...query.measurements]);
    const rows = await q
      .orderBy('hour')
      .orderBy('measurement')
      .orderBy('target')
      .orderBy('outcome')
      .orderBy('field')
      .execute();
    return rows.map(toRollup);
  }

  async refreshRollups(options: RefreshRollupsOptions = {}): Promise<number> {
    let q = this.#db.selectFrom('rollups_dirty').selectAll();
    if (options.schoolId !== undefined) q = q.where('school_id', '=', options.schoolId);
    if (options.since !== undefined) q = q.where('hour', '>=', hourOf(options.since));
    if (options.before !== undefined) q = q.where('hour', '<', options.before.toISOString());
    // A mark's token starts with the time it was last set (dirtyMarkToken).
    if (options.markedBefore !== undefined) q = q.where('token', '<', options.markedBefore.toISOString());
    q = q.orderBy('hour').orderBy('school_id').orderBy('measurement');
    if (options.limit !== undefined) q = q.limit(options.limit);
    const dirty = await q.execute();
    if (dirty.length === 0) return 0;
    // Several hours per transaction, up to a bounded number of raw rows:
    // one commit per hour would make a backlog wait on the disk, one huge
    // transaction would hold ingest up.
    let next = 0;
    while (next < dirty.length) {
      // Between transactions the event loop runs: better-sqlite3 works
      // synchronously, and without this a backlog of hours would hold the
      // collector's only thread (every agent's batches and acks) for as
      // long as the whole refresh takes.
      if (next > 0) await yieldToEventLoop();
      next = await this.#transaction(async (trx) => {
        let i = next;
        let rowsRead = 0;
        while (
          i < dirty.length &&
          rowsRead < REFRESH_ROWS_PER_TRANSACTION &&
          i - next < REFRESH_HOURS_PER_TRANSACTION
        ) {
          const mark = dirty[i] as RollupDirtyRow;
          i += 1;
          // The mark as it is now, locked on PostgreSQL. Gone: another
          // refresh (a second collector, a read beside the background job)
          // has committed this hour already, and recomputing it here would
          // insert its rollups twice. An ingest re-marking the hour meanwhile
          // waits for this transaction, so its new mark outlives the delete
          // below, which clears only the token read here.
          const locked = await trx
            .selectFrom('rollups_dirty')
            .select('token')
            .where('school_id', '=', mark.school_id)
            .where('measurement', '=', mark.measurement)
            .where('hour', '=', mark.hour)
            .$if(this.dialect === 'postgres', (q) => q.forUpdate())
            .executeTakeFirst();
          if (locked === undefined) continue;
          const raw = await trx
            .selectFrom('results')
            .select(['fields', 'tags'])
            .where('school_id', '=', mark.school_id)
            .where('measurement', '=', mark.measurement)
            .where('at', '>=', mark.hour)
            .where('at', '<', nextHour(mark.hour))
            // A pupil's laptop measures the home line, not the school's: never in the school's rollups.
            .where('agent_id', 'not in', issuedLaptopAgents(trx))
            .execute();
          rowsRead += raw.length;
          // The horizon is read after the raw rows: retention deletes rows
          // and advances it in one transaction, so rows read before its
          // commit are complete, and a horizon read after it is current.
          const horizon =
            (
              await trx
                .selectFrom('meta')
                .select('value')
                .where('key', '=', RAW_HORIZON_META_KEY)
                .executeTakeFirst()
            )?.value ?? '';
          const sealed =
            mark.hour < horizon &&
            (await trx
              .selectFrom('rollups_hourly')
              .select('field')
              .where('school_id', '=', mark.school_id)
              .where('measurement', '=', mark.measurement)
              .where('hour', '=', mark.hour)
              .limit(1)
              .executeTakeFirst()) !== undefined;
          if (!sealed) {
            const rollups = summariseHour(
              raw.map((r) => ({
                fields: JSON.parse(r.fields) as StoredResult['fields'],
                tags: JSON.parse(r.tags) as StoredResult['tags'],
              })),
            );
            await trx
              .deleteFrom('rollups_hourly')
              .where('school_id', '=', mark.school_id)
              .where('measurement', '=', mark.measurement)
              .where('hour', '=', mark.hour)
              .execute();
            const rows: HourlyRollup[] = rollups.map((r) => ({
              school_id: mark.school_id,
              measurement: mark.measurement,
              hour: mark.hour,
              ...r,
            }));
            for (let j = 0; j < rows.length; j += INSERT_CHUNK_ROWS) {
              await trx
                .insertInto('rollups_hourly')
                .values(rows.slice(j, j + INSERT_CHUNK_ROWS))
                .execute();
            }
          }
          await trx
            .deleteFrom('rollups_dirty')
            .where('school_id', '=', mark.school_id)
            .where('measurement', '=', mark.measurement)
            .where('hour', '=', mark.hour)
            .where('token', '=', locked.token)
            .execute();
        }
        return i;
      });
    }
    return dirty.length;
  }

  async pendingRollupHours(): Promise<number> {
    const row = await this.#db
      .selectFrom('rollups_dirty')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

/**
 * The token of a dirty-hour mark made at `ms` (wall clock): unique per
 * mark, so a recomputation clears only the mark it read, and starting with
 * the time as `Date#toISOString` text, so tokens compare by when they were
 * made (`RefreshRollupsOptions.markedBefore`). Tokens written before this
 * form (UUIDs, starting with a hex digit below "2") sort as long ago.
 */
function dirtyMarkToken(ms: number): string {
  return `${new Date(ms).toISOString()} ${randomUUID()}`;
}

/**
 * Marks the hours of these results as waiting for their rollup, in the
 * caller's transaction (the one that inserts the results).
 */
export async function markDirtyHours(
  trx: Transaction<CollectorDatabase>,
  rows: readonly ResultRow[],
): Promise<void> {
  const token = dirtyMarkToken(Date.now());
  const hours = new Map<string, RollupDirtyRow>();
  for (const r of rows) {
    // `at` is already `Date#toISOString` text: its first 13 characters name the hour.
    const hour = `${r.at.slice(0, 13)}:00:00.000Z`;
    const key = `${r.school_id} ${r.measurement} ${hour}`;
    if (!hours.has(key)) hours.set(key, { school_id: r.school_id, measurement: r.measurement, hour, token });
  }
  // One lock order for every batch, as for the results: two batches marking
  // the same hours wait for each other on PostgreSQL instead of deadlocking.
  const marks = [...hours.values()].sort(
    (a, b) =>
      compareText(a.school_id, b.school_id) ||
      compareText(a.measurement, b.measurement) ||
      compareText(a.hour, b.hour),
  );
  for (let i = 0; i < marks.length; i += INSERT_CHUNK_ROWS) {
    await trx
      .insertInto('rollups_dirty')
      .values(marks.slice(i, i + INSERT_CHUNK_ROWS))
      .onConflict((oc) =>
        oc
          .columns(['school_id', 'measurement', 'hour'])
          .doUpdateSet((eb) => ({ token: eb.ref('excluded.token') })),
      )
      .execute();
  }
}

function toRollup(row: HourlyRollup): HourlyRollup {
  // PostgreSQL may hand numbers back as strings, SQLite as numbers.
  return {
    ...row,
    count: Number(row.count),
    min: Number(row.min),
    max: Number(row.max),
    mean: Number(row.mean),
    p50: Number(row.p50),
    p95: Number(row.p95),
  };
}
