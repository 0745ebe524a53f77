import type { Kysely, Migration } from 'kysely';
import { useBinaryCollation } from './0002-binary-text-order.js';
import type { StoreDialect } from './migration-provider.js';

/**
 * Hourly rollups of the results and the queue of hours waiting to be
 * (re)computed. Portable column types only: `double precision` is a
 * floating-point column on PostgreSQL and has REAL affinity on SQLite.
 *
 * - `rollups_hourly`: one row per school, measurement, `target` tag, result
 *   outcome (the `result` field, e.g. `success`), UTC hour and numeric
 *   field, with count, min, max, mean and the nearest-rank p50 and p95 of
 *   that hour's values. Target and outcome are part of the key because the
 *   score needs latency to the collector apart from the gateway, and
 *   successful runs apart from failed ones.
 * - `rollups_dirty`: hours (school, measurement, hour) whose raw rows
 *   changed since their rollup was computed. Ingest marks them in the same
 *   transaction as the results, so a stopped process loses nothing; the
 *   `token` changes on every mark, so a recomputation only clears the mark
 *   it read and a result arriving meanwhile keeps the hour dirty.
 */
export function rollupsMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('rollups_hourly')
        .addColumn('school_id', 'text', (c) => c.notNull().references('schools.id'))
        .addColumn('measurement', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('min', 'double precision', (c) => c.notNull())
        .addColumn('max', 'double precision', (c) => c.notNull())
        .addColumn('mean', 'double precision', (c) => c.notNull())
        .addColumn('p50', 'double precision', (c) => c.notNull())
        .addColumn('p95', 'double precision', (c) => c.notNull())
        .addPrimaryKeyConstraint('rollups_hourly_pk', [
          'school_id',
          'measurement',
          'hour',
          'target',
          'outcome',
          'field',
        ])
        .execute();
      // Rollup retention deletes by age across all schools.
      await db.schema.createIndex('rollups_hourly_hour').on('rollups_hourly').column('hour').execute();

      await db.schema
        .createTable('rollups_dirty')
        .addColumn('school_id', 'text', (c) => c.notNull())
        .addColumn('measurement', 'text', (c) => c.notNull())
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('rollups_dirty_pk', ['school_id', 'measurement', 'hour'])
        .execute();
      // The background job takes the oldest hours first, across schools.
      await db.schema.createIndex('rollups_dirty_hour').on('rollups_dirty').column('hour').execute();

      // Raw retention deletes the oldest results across all schools.
      await db.schema.createIndex('results_at').on('results').column('at').execute();

      // Keys and hours compare bytewise on PostgreSQL too, as on SQLite.
      await useBinaryCollation(db, dialect, 'rollups_hourly', [
        'school_id',
        'measurement',
        'target',
        'outcome',
        'hour',
        'field',
      ]);
      await useBinaryCollation(db, dialect, 'rollups_dirty', ['school_id', 'measurement', 'hour', 'token']);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('results_at').ifExists().execute();
      for (const table of ['rollups_dirty', 'rollups_hourly']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
