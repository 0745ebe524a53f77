import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Issued laptops out of the school's hourly rollups, for hours already
 * rolled up.
 *
 * Results of agents enrolled with the `issued_laptop` role measure a
 * pupil's home line (docs/pupil-support.md). Rollups computed before the
 * collector left them out mixed them into the school's hours, and so into
 * its score and the plan. This marks every hour that holds such a result
 * dirty, so the next refresh recomputes it from the raw rows without them.
 * Hours whose raw rows retention has already deleted cannot be recomputed
 * and keep their rollups, as every hour past the raw horizon does.
 *
 * The mark's token begins with the time, as every dirty mark's does (see
 * `storage/kysely/rollups.ts`). Plain SQL that SQLite and PostgreSQL both
 * take; the SELECT has its WHERE, which SQLite needs before an upsert's
 * ON CONFLICT. Running it twice only renews the marks.
 */
export const laptopRollupsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const token = `${new Date().toISOString()} migration-0010-laptop-rollups`;
    await sql`
      INSERT INTO rollups_dirty (school_id, measurement, hour, token)
      SELECT DISTINCT school_id, measurement, substr(at, 1, 13) || ':00:00.000Z', ${token}
      FROM results
      WHERE agent_id IN (SELECT id FROM agents WHERE role = 'issued_laptop')
      ON CONFLICT (school_id, measurement, hour) DO UPDATE SET token = excluded.token
    `.execute(db);
  },

  async down(): Promise<void> {
    // Marks only: the rollups they lead to are right either way.
  },
};
