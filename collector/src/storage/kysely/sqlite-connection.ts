import { dirname } from 'node:path';
import { Kysely, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { ErrorCodes, SkolnetError, openSqlite } from '@skolnet/shared';
import { ensurePrivateDir, preparePrivateDatabaseFile } from '../file-modes.js';
import { BusyAwareSqliteDialect, retryWhileBusy, SQLITE_BUSY_TIMEOUT_MS } from '../sqlite-busy.js';
import { migrateToLatest } from './migrate.js';
import type { CollectorDatabase } from './rows.js';

/**
 * Prepared statements kept per SQLite connection. Kysely prepares every
 * query afresh; ingest repeats the same few INSERTs thousands of times a
 * second, and preparing a 100-row INSERT costs about as much as running
 * it. 256 covers every distinct query the collector makes with room over.
 */
const SQLITE_STATEMENT_CACHE_SIZE = 256;

/** An open, migrated SQLite database and the reading of its `data_version`. */
export interface OpenSqlite {
  db: Kysely<CollectorDatabase>;
  /** SQLite's `PRAGMA data_version` of this connection (see `KyselyStore.externalChangeVersion`). */
  dataVersion: () => number;
}

/**
 * Opens (creating if needed) a SQLite database file with the collector's
 * pragmas and migrates it. `:memory:` gives a throwaway database.
 */
export async function openSqliteDatabase(path: string): Promise<OpenSqlite> {
  let sqlite: ReturnType<typeof openSqlite>;
  try {
    if (path !== ':memory:') {
      // A folder made here is private; an existing one (perhaps shared, such
      // as /var/lib) is left as it is. The file and its -wal/-shm are made
      // owner-only in any case: they hold every result and credential hash.
      ensurePrivateDir(dirname(path), false);
      preparePrivateDatabaseFile(path);
    }
    sqlite = openSqlite(path);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `cannot open database ${path}`, { cause: err });
  }
  try {
    // First, so the pragmas below wait for a lock another process holds.
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets readers (dashboards) proceed while a batch is being written,
    // and lets a second process (the admin-token command) open the file.
    await retryWhileBusy(() => Promise.resolve(sqlite.pragma('journal_mode = WAL')));
    // An ack tells the agent to delete its copy, so a commit must be on
    // disk before it: FULL syncs the WAL at every commit (NORMAL, the
    // WAL default, may lose the last commits to a power cut). Group commit
    // (ingest/ingest-queue.ts) pays one sync for many agents' batches.
    sqlite.pragma('synchronous = FULL');
    // SQLite leaves foreign keys off unless asked, per connection.
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `cannot open database ${path}`, { cause: err });
  }
  const db = new Kysely<CollectorDatabase>({
    // Transactions take the write lock first and wait for other processes
    // without holding the event loop (../sqlite-busy.ts).
    dialect: new BusyAwareSqliteDialect(
      { database: withStatementCache(sqlite) },
      {},
      () => sqlite.inTransaction,
    ),
  });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return { db, dataVersion: () => sqlite.pragma('data_version', { simple: true }) as number };
}

/** A {@link SqliteDatabase} whose statements are prepared once and reused. */
function withStatementCache(db: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        if (cache.size >= SQLITE_STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
