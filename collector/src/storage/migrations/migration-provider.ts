import type { Migration, MigrationProvider } from 'kysely';
import { initialMigration } from './0001-initial.js';
import { agentIdentityMigration } from './0003-agent-identity.js';

/**
 * Lists the migrations in code rather than reading a folder, so they ship
 * inside the compiled package and bundle cleanly. Kysely runs them in key
 * order; never rename or edit a key once released, only append.
 */
export function createMigrationProvider(): MigrationProvider {
  const migrations: Record<string, Migration> = {
    '0001-initial': initialMigration,
    '0003-agent-identity': agentIdentityMigration,
  };
  return { getMigrations: () => Promise.resolve(migrations) };
}
