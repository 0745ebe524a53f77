import { Migrator, type Kysely } from 'kysely';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { createMigrationProvider, type StoreDialect } from '../migrations/migration-provider.js';
import type { CollectorDatabase } from './rows.js';

/** Runs every pending migration; throws `SKOLNET_STORE_FAILED` naming the one that failed. */
export async function migrateToLatest(
  db: Kysely<CollectorDatabase>,
  dialect: StoreDialect = 'sqlite',
): Promise<void> {
  const migrator = new Migrator({ db, provider: createMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `database migration ${failed} failed`, { cause: error });
  }
}
