import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { binaryTextOrderMigration } from './0002-binary-text-order.js';
import { rollupsMigration } from './0003-rollups.js';
import { agentIdentityMigration } from './0004-agent-identity.js';
import { resultsHourIndexMigration } from './0005-results-hour-index.js';
import { accountsMigration } from './0006-accounts.js';
import { schoolRegisterMigration } from './0007-school-register.js';
import { acceptanceMigration } from './0008-acceptance.js';
import { supportMigration } from './0009-support.js';
import { laptopRollupsMigration } from './0010-laptop-rollups.js';

/** The SQL dialects the store speaks. */
export type StoreDialect = 'sqlite' | 'postgres';

/**
 * Lists the migrations in code rather than reading a folder, so they ship
 * inside the compiled package and bundle cleanly. Kysely runs them in key
 * order; never rename or edit a key once released, only append. The same
 * list runs on every dialect; a step that needs a dialect's own statement
 * (see `0002-binary-text-order.ts`) takes `dialect` and is a no-op elsewhere.
 */
export function createMigrationProvider(dialect: StoreDialect): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration,
    '0002-binary-text-order': binaryTextOrderMigration(dialect),
    '0003-rollups': rollupsMigration(dialect),
    '0004-agent-identity': agentIdentityMigration(dialect),
    '0005-results-hour-index': resultsHourIndexMigration,
    '0006-accounts': accountsMigration(dialect),
    '0007-school-register': schoolRegisterMigration(dialect),
    '0008-acceptance': acceptanceMigration(dialect),
    '0009-support': supportMigration(dialect),
    '0010-laptop-rollups': laptopRollupsMigration,
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
