import { sql, type Kysely, type Migration } from 'kysely';
import { useBinaryCollation } from './0002-binary-text-order.js';
import type { StoreDialect } from './migration-provider.js';

const TEXT_COLUMNS: Record<string, readonly string[]> = {
  contracts: ['id', 'school_id', 'vendor', 'status', 'created_at', 'updated_at'],
  campaigns: ['id', 'contract_id', 'school_id', 'retest_of', 'status', 'started_at', 'created_at'],
  acceptance_reports: ['campaign_id', 'format', 'lang'],
};

/**
 * Vendor acceptance (docs/acceptance.md): contracts per school and
 * upgrade, the acceptance campaigns run for them (a re-test links to the
 * campaign it repeats), and the signed reports, kept as issued so every
 * reader gets the same bytes. Speeds are double precision: a contract may
 * say 0.5 Mbit/s.
 */
export function acceptanceMigration(dialect: StoreDialect): Migration {
  const real = sql`double precision`;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('contracts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('school_id', 'text', (c) => c.notNull().references('schools.id'))
        .addColumn('vendor', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('download_max_mbps', real, (c) => c.notNull())
        .addColumn('download_min_mbps', real, (c) => c.notNull())
        .addColumn('upload_max_mbps', real, (c) => c.notNull())
        .addColumn('upload_min_mbps', real, (c) => c.notNull())
        .addColumn('latency_limit_ms', real)
        .addColumn('max_loss_pct', real)
        .addColumn('availability_pct', real)
        .addColumn('completion_date', 'text', (c) => c.notNull())
        .addColumn('acceptance_window_days', 'integer', (c) => c.notNull())
        .addColumn('campaign_school_days', 'integer', (c) => c.notNull())
        // JSON arrays: the rooms of an internal-network contract, the validation's warnings.
        .addColumn('rooms', 'text', (c) => c.notNull())
        .addColumn('warnings', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('contracts_vendor').on('contracts').column('vendor').execute();
      await db.schema.createIndex('contracts_school').on('contracts').column('school_id').execute();
      await db.schema
        .createTable('campaigns')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('contract_id', 'text', (c) => c.notNull().references('contracts.id'))
        .addColumn('school_id', 'text', (c) => c.notNull())
        .addColumn('retest_of', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('school_days', 'integer', (c) => c.notNull())
        .addColumn('extensions', 'integer', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        // The school's agent configuration before the campaign, restored after it; null when it had none.
        .addColumn('previous_config', 'text')
        .addColumn('verdict', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('campaigns_contract').on('campaigns').column('contract_id').execute();
      await db.schema.createIndex('campaigns_status').on('campaigns').column('status').execute();
      await db.schema
        .createTable('acceptance_reports')
        .addColumn('campaign_id', 'text', (c) => c.notNull().references('campaigns.id'))
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('lang', 'text', (c) => c.notNull())
        // HTML text, or a PDF as base64.
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('acceptance_reports_pk', ['campaign_id', 'format', 'lang'])
        .execute();
      for (const [table, columns] of Object.entries(TEXT_COLUMNS)) {
        await useBinaryCollation(db, dialect, table, columns);
      }
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['acceptance_reports', 'campaigns', 'contracts']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };
}
