import { sql, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from './migration-provider.js';

/**
 * The text columns of the first schema. Every one is a key, a timestamp, a
 * name or JSON; none should sort by a human language's rules.
 */
const TEXT_COLUMNS: Record<string, readonly string[]> = {
  schools: ['id', 'name', 'municipality', 'created_at'],
  agents: ['id', 'school_id', 'secret_hash', 'hostname', 'agent_version', 'enrolled_at', 'last_seen_at'],
  enrollment_codes: ['code_hash', 'school_id', 'expires_at', 'used_at', 'agent_id'],
  results: ['id', 'agent_id', 'school_id', 'measurement', 'fields', 'tags', 'at', 'received_at'],
  meta: ['key', 'value'],
};

/**
 * Gives text columns bytewise ("C") collation on PostgreSQL, so ORDER BY
 * and range comparisons (`at >= …`) behave exactly as on SQLite, whose
 * default collation compares bytes, whatever collation the operator's
 * database was created with (en_US would sort `B` between `a` and `c`).
 * Declaring it on the column rather than in each query keeps the indexes
 * usable for ordered scans. SQLite needs nothing: a no-op there.
 *
 * A later migration adding text columns on PostgreSQL calls this too.
 */
export async function useBinaryCollation(
  db: Kysely<unknown>,
  dialect: StoreDialect,
  table: string,
  columns: readonly string[],
): Promise<void> {
  if (dialect !== 'postgres' || columns.length === 0) return;
  const alterations = columns.map((c) => sql`alter column ${sql.ref(c)} type text collate "C"`);
  await sql`alter table ${sql.table(table)} ${sql.join(alterations)}`.execute(db);
}

/** Migration 0002 for the given dialect. */
export function binaryTextOrderMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const [table, columns] of Object.entries(TEXT_COLUMNS)) {
        await useBinaryCollation(db, dialect, table, columns);
      }
    },
    async down(): Promise<void> {
      // The database's own collation is not recorded anywhere to go back to;
      // bytewise order is harmless to keep.
    },
  };
}
