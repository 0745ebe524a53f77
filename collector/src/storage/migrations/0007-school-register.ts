import type { Kysely, Migration } from 'kysely';
import { useBinaryCollation } from './0002-binary-text-order.js';
import type { StoreDialect } from './migration-provider.js';

const NEW_TEXT_COLUMNS = ['registration_number', 'address', 'school_type', 'retired_at'] as const;

/**
 * The school register's fields on `schools`: the national register's
 * number (unique where given; several schools may still lack one), the
 * address, WGS84 coordinates, the register's school type, and when the
 * school was retired from the register. All nullable, so schools made
 * before this migration stay as they are until the register fills them.
 */
export function schoolRegisterMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      for (const column of NEW_TEXT_COLUMNS) {
        await db.schema.alterTable('schools').addColumn(column, 'text').execute();
      }
      await db.schema.alterTable('schools').addColumn('lat', 'double precision').execute();
      await db.schema.alterTable('schools').addColumn('lon', 'double precision').execute();
      await useBinaryCollation(db, dialect, 'schools', NEW_TEXT_COLUMNS);
      // NULLs never collide in a unique index on either database.
      await db.schema
        .createIndex('schools_registration_number')
        .on('schools')
        .column('registration_number')
        .unique()
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('schools_registration_number').ifExists().execute();
      for (const column of ['lon', 'lat', ...NEW_TEXT_COLUMNS]) {
        await db.schema.alterTable('schools').dropColumn(column).execute();
      }
    },
  };
}
