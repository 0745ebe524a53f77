import type { Transaction } from 'kysely';
import { RESULT_HOUR_SQL } from '../migrations/0005-results-hour-index.js';
import { hourOf } from '../rollups.js';
import type { DeleteOutcome, RetentionStore } from '../store.js';
import type { KyselyContext } from './context.js';
import type { CollectorDatabase } from './rows.js';

/**
 * Meta key of the raw retention horizon: the start of the oldest hour whose
 * raw results are still kept; older hours live on as rollups only.
 */
export const RAW_HORIZON_META_KEY = 'raw_results.deleted_before';

/** Rows per statement when deleting by key: well under both dialects' parameter limits. */
const DELETE_CHUNK_ROWS = 500;

/** Retention: raw results and rollups older than their horizons go, in bounded steps. */
export class KyselyRetention implements RetentionStore {
  readonly #context: KyselyContext;

  constructor(context: KyselyContext) {
    this.#context = context;
  }

  #transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    return this.#context.transaction(fn);
  }

  async deleteResultsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome> {
    const horizon = hourOf(cutoff);
    return this.#transaction(async (trx) => {
      // By hour (the results_hour index; `horizon` is a whole hour, so this
      // is `at < horizon`), oldest hours first.
      const old = await trx
        .selectFrom('results')
        .select(['id', 'school_id', 'measurement', 'at'])
        .where(RESULT_HOUR_SQL, '<', horizon.slice(0, 13))
        .orderBy(RESULT_HOUR_SQL)
        .limit(limit)
        .execute();
      const dirty = new Set(
        (
          await trx
            .selectFrom('rollups_dirty')
            .select(['school_id', 'measurement', 'hour'])
            .where('hour', '<', horizon)
            .execute()
        ).map((d) => JSON.stringify([d.school_id, d.measurement, d.hour])),
      );
      const ids = old
        .filter((r) => !dirty.has(JSON.stringify([r.school_id, r.measurement, hourOf(r.at)])))
        .map((r) => r.id);
      for (let i = 0; i < ids.length; i += DELETE_CHUNK_ROWS) {
        await trx
          .deleteFrom('results')
          .where('id', 'in', ids.slice(i, i + DELETE_CHUNK_ROWS))
          .execute();
      }
      const previous = await trx
        .selectFrom('meta')
        .select('value')
        .where('key', '=', RAW_HORIZON_META_KEY)
        .executeTakeFirst();
      if (previous === undefined || previous.value < horizon) {
        await trx
          .insertInto('meta')
          .values({ key: RAW_HORIZON_META_KEY, value: horizon })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: horizon }))
          .execute();
      }
      // Rows kept because their hour is dirty wait for the next run; "more"
      // means a further call can delete something now.
      return { deleted: ids.length, more: old.length === limit && ids.length > 0 };
    });
  }

  async deleteRollupsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome> {
    const before = hourOf(cutoff);
    return this.#transaction(async (trx) => {
      const old = await trx
        .selectFrom('rollups_hourly')
        .select(['school_id', 'measurement', 'hour', 'target', 'outcome', 'field'])
        .where('hour', '<', before)
        .orderBy('hour')
        .limit(limit)
        .execute();
      for (const key of old) {
        await trx
          .deleteFrom('rollups_hourly')
          .where('school_id', '=', key.school_id)
          .where('measurement', '=', key.measurement)
          .where('hour', '=', key.hour)
          .where('target', '=', key.target)
          .where('outcome', '=', key.outcome)
          .where('field', '=', key.field)
          .execute();
      }
      return { deleted: old.length, more: old.length === limit };
    });
  }
}
