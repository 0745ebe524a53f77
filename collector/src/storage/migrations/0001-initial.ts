import type { Kysely, Migration } from 'kysely';

/**
 * The first schema. Column types are the portable subset (text, integer)
 * so the same migration runs on SQLite and PostgreSQL. Timestamps are
 * RFC 3339 UTC text with millisecond precision (`Date#toISOString`), which
 * sorts correctly as text on both dialects.
 */
export const initialMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('schools')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('municipality', 'text', (c) => c.notNull())
      .addColumn('pupils', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('agents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('school_id', 'text', (c) => c.notNull().references('schools.id'))
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('hostname', 'text', (c) => c.notNull())
      .addColumn('agent_version', 'text', (c) => c.notNull())
      .addColumn('enrolled_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text')
      .execute();

    await db.schema
      .createTable('enrollment_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('school_id', 'text', (c) => c.notNull().references('schools.id'))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('agent_id', 'text', (c) => c.references('agents.id'))
      .execute();

    await db.schema
      .createTable('results')
      .addColumn('id', 'text', (c) => c.primaryKey())
      // No foreign key to agents: results may be seeded or imported (an
      // `assess` report, a demo) without an enrolled agent. Ingest checks
      // ownership before it stores anything.
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('school_id', 'text', (c) => c.notNull().references('schools.id'))
      .addColumn('measurement', 'text', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('tags', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .execute();

    // Every read of results (dashboard, scoring) is "this school, this
    // measurement, recent first".
    await db.schema
      .createIndex('results_school_measurement_at')
      .on('results')
      .columns(['school_id', 'measurement', 'at'])
      .execute();

    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['meta', 'results', 'enrollment_codes', 'agents', 'schools']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
