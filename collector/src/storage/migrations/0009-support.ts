import type { Kysely, Migration } from 'kysely';
import { useBinaryCollation } from './0002-binary-text-order.js';
import type { StoreDialect } from './migration-provider.js';

const TEXT_COLUMNS: Record<string, readonly string[]> = {
  support_schools: ['school_id', 'founder'],
  support_pupils: [
    'id',
    'school_id',
    'pseudonym',
    'programme',
    'class_label',
    'name_sealed',
    'code_sealed',
    'created_at',
    'updated_at',
  ],
  support_plans: [
    'id',
    'pupil_id',
    'school_id',
    'semester',
    'status',
    'founder',
    'body',
    'created_at',
    'updated_at',
  ],
  support_attestations: [
    'id',
    'municipality',
    'obtained_on',
    'valid_from',
    'valid_to',
    'document_ref',
    'created_at',
  ],
  support_orders: ['id', 'school_id', 'valid_from', 'valid_to', 'body', 'created_at'],
  support_laptops: [
    'id',
    'school_id',
    'serial',
    'model',
    'pupil_id',
    'issued_on',
    'returned_on',
    'condition',
    'created_at',
    'updated_at',
  ],
};

/**
 * Pupil-support records (docs/pupil-support.md): pupils (pseudonym, and
 * name and personal code sealed with a key kept outside the database),
 * their plans (one per pupil per semester; risks, measures, approvals,
 * consultations and compensations as the plan's JSON body, with the
 * columns lists and counts need beside it), municipalities' attestations,
 * directors' orders for remote learning, issued laptops, and each school's
 * founder, which decides the approval chain.
 */
export function supportMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('support_schools')
        .addColumn('school_id', 'text', (c) => c.primaryKey())
        .addColumn('founder', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('support_pupils')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('school_id', 'text', (c) => c.notNull())
        .addColumn('pseudonym', 'text', (c) => c.notNull().unique())
        .addColumn('programme', 'text', (c) => c.notNull())
        .addColumn('grade', 'integer', (c) => c.notNull())
        .addColumn('class_label', 'text', (c) => c.notNull())
        .addColumn('name_sealed', 'text', (c) => c.notNull())
        .addColumn('code_sealed', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('support_pupils_school').on('support_pupils').column('school_id').execute();
      await db.schema
        .createTable('support_plans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pupil_id', 'text', (c) => c.notNull())
        .addColumn('school_id', 'text', (c) => c.notNull())
        .addColumn('semester', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('founder', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        // Whole cents, so "nothing spent" (rule 4) is an exact comparison.
        .addColumn('spent_cents', 'integer', (c) => c.notNull())
        // Bumped by every write: a write based on an older read is refused, not merged.
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('support_plans_pupil_semester', ['pupil_id', 'semester'])
        .execute();
      await db.schema.createIndex('support_plans_school').on('support_plans').column('school_id').execute();
      await db.schema
        .createTable('support_attestations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('municipality', 'text', (c) => c.notNull())
        .addColumn('obtained_on', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_to', 'text', (c) => c.notNull())
        .addColumn('document_ref', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('support_orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('school_id', 'text', (c) => c.notNull())
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_to', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('support_laptops')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('school_id', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull().unique())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('pupil_id', 'text')
        .addColumn('issued_on', 'text')
        .addColumn('returned_on', 'text')
        .addColumn('condition', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('support_laptops_school')
        .on('support_laptops')
        .column('school_id')
        .execute();
      for (const [table, columns] of Object.entries(TEXT_COLUMNS)) {
        await useBinaryCollation(db, dialect, table, columns);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of Object.keys(TEXT_COLUMNS).reverse()) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
