import { chmod, copyFile, link, rename, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, SkolnetError, openSqlite, type SqliteDatabase } from '@skolnet/shared';
import { PRIVATE_FILE_MODE, preparePrivateDatabaseFile } from './file-modes.js';
import { livePid } from './pid-file.js';
import { createMigrationProvider } from './migrations/migration-provider.js';

/**
 * Backup and restore of the embedded SQLite database. SQLite only: a
 * PostgreSQL deployment is backed up with the database's own tools
 * (`pg_dump`, `pg_restore`; README "Backup and restore").
 */

/** Outcome of {@link backupSqlite}. */
export interface BackupOutcome {
  path: string;
  bytes: number;
  results: number;
}

/** Outcome of {@link restoreSqlite}. */
export interface RestoreOutcome {
  /** The database now in place. */
  path: string;
  /** Where the replaced database was kept, when there was one. */
  previous?: string;
  results: number;
}

/** Options of {@link restoreSqlite}. */
export interface RestoreOptions {
  /** File holding the process id of a collector serving `target`, while one runs. */
  pidFile: string;
  /** Clock for the `.bak` name; tests pass their own. */
  now?: Date;
}

/**
 * Pages per backup step: all of them at once (SQLite's limit is a signed
 * 32-bit count). One step copies the database under a single read
 * transaction, which in WAL mode never blocks the collector's writes and
 * cannot be restarted by them, so the copy is one consistent snapshot even
 * while results keep arriving.
 */
const ALL_PAGES = 0x7fffffff;

/** The error for backup or restore of a PostgreSQL database. */
export function postgresBackupError(command: 'backup' | 'restore'): SkolnetError {
  return new SkolnetError(
    ErrorCodes.CLI_BAD_ARGUMENT,
    command === 'backup'
      ? 'backup copies the embedded SQLite database only; back up PostgreSQL with pg_dump ' +
          '(e.g. pg_dump --format=custom --file skolnet.dump "$DATABASE_URL")'
      : 'restore replaces the embedded SQLite database only; restore PostgreSQL with pg_restore ' +
          '(e.g. pg_restore --clean --if-exists --dbname "$DATABASE_URL" skolnet.dump) while the collector is stopped',
  );
}

/**
 * Copies the database at `source` to `dest` with SQLite's online backup,
 * consistent while a collector keeps writing to `source`. Refuses an
 * existing `dest` unless `force`.
 */
export async function backupSqlite(source: string, dest: string, force = false): Promise<BackupOutcome> {
  if (!existsSync(source)) {
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `no collector database at ${source}`);
  }
  if (existsSync(dest) && !force) {
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `${dest} exists; pass --force to overwrite it`);
  }
  if (!existsSync(dirname(dest))) {
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `directory ${dirname(dest)} does not exist`);
  }
  // Written beside the target and renamed, so an interrupted backup never
  // leaves a half-written file under the requested name.
  const partial = join(dirname(dest), `.${basename(dest)}.partial`);
  await removeDatabaseFiles(partial);
  // A backup holds everything the database does: owner-only from the start.
  preparePrivateDatabaseFile(partial);
  const db = openSqlite(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(partial, { progress: () => ALL_PAGES });
  } catch (err) {
    await removeDatabaseFiles(partial);
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `backup of ${source} failed`, { cause: err });
  } finally {
    db.close();
  }
  // A backup is one self-contained file: no write-ahead log beside it.
  const copy = openSqlite(partial);
  let results: number;
  try {
    copy.pragma('journal_mode = DELETE');
    results = countResults(copy);
  } finally {
    copy.close();
  }
  await removeDatabaseFiles(dest);
  await rename(partial, dest);
  return { path: dest, bytes: (await stat(dest)).size, results };
}

/**
 * Checks that `path` is an intact skolnet database this collector can open:
 * SQLite's integrity check passes and its migrations are ones this
 * collector knows. Returns its result count.
 * @throws SkolnetError `SKOLNET_BACKUP_INVALID` saying what is wrong.
 */
export async function verifySkolnetDatabase(path: string): Promise<number> {
  const invalid = (why: string, cause?: unknown): SkolnetError =>
    new SkolnetError(
      ErrorCodes.BACKUP_INVALID,
      `${path} is not a usable skolnet database: ${why}`,
      cause === undefined ? {} : { cause },
    );
  if (!existsSync(path)) throw invalid('no such file');
  const known = Object.keys(await createMigrationProvider('sqlite').getMigrations());
  let db: SqliteDatabase;
  try {
    db = openSqlite(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw invalid('cannot be opened', err);
  }
  try {
    let check: string[];
    try {
      check = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
    } catch (err) {
      throw invalid(`not an SQLite database (${(err as Error).message})`, err);
    }
    if (check.length !== 1 || check[0] !== 'ok') {
      throw invalid(`integrity check failed: ${check.slice(0, 3).join('; ')}`);
    }
    let applied: string[];
    try {
      applied = (
        db.prepare('select name from kysely_migration order by name').all() as { name: string }[]
      ).map((r) => r.name);
    } catch (err) {
      throw invalid('it has no skolnet migrations table', err);
    }
    if (!applied.includes(known[0] as string)) throw invalid(`migration ${known[0]} is missing`);
    const unknown = applied.filter((m) => !known.includes(m));
    if (unknown.length > 0) {
      throw invalid(
        `it was written by a newer collector (migrations ${unknown.join(', ')} are unknown here)`,
      );
    }
    try {
      return countResults(db);
    } catch (err) {
      throw invalid('it has no results table', err);
    }
  } finally {
    db.close();
  }
}

/**
 * Replaces the database at `target` with the backup at `file`, after
 * checking that no collector serves `target` and that `file` is an intact
 * skolnet database. The current database is kept as
 * `<target>.<UTC timestamp>.bak`; the restored one is renamed into place,
 * so `target` is at every moment either the old or the new database.
 * Nothing changes when a check fails.
 */
export async function restoreSqlite(
  file: string,
  target: string,
  options: RestoreOptions,
): Promise<RestoreOutcome> {
  await assertNotServing(options.pidFile);
  const results = await verifySkolnetDatabase(file);

  const staged = join(dirname(target), `.${basename(target)}.restoring`);
  await removeDatabaseFiles(staged);
  await copyFile(file, staged);
  // copyFile keeps the backup's mode, which may be wider than the database's.
  await chmod(staged, PRIVATE_FILE_MODE);
  const outcome: RestoreOutcome = { path: target, results };
  if (existsSync(target)) {
    // Fold a write-ahead log left by an unclean stop into the file first,
    // so the .bak is complete on its own.
    try {
      const current = openSqlite(target, { fileMustExist: true });
      try {
        current.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        current.close();
      }
    } catch {
      // A damaged current database is kept as it is, log files included.
    }
    const stamp = (options.now ?? new Date())
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const previous = `${target}.${stamp}.bak`;
    await link(target, previous).catch(async () => copyFile(target, previous));
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(target + suffix)) await rename(target + suffix, previous + suffix);
    }
    outcome.previous = previous;
  }
  await rename(staged, target);
  return outcome;
}

/** Throws `SKOLNET_STORE_IN_USE` when the pid file names a live process. */
async function assertNotServing(pidFile: string): Promise<void> {
  const pid = await livePid(pidFile);
  if (pid !== undefined) {
    throw new SkolnetError(
      ErrorCodes.STORE_IN_USE,
      `a collector (process ${pid}) is serving this data directory; stop it before restoring ` +
        `(if no collector runs, remove the stale ${pidFile})`,
    );
  }
}

function countResults(db: SqliteDatabase): number {
  return (db.prepare('select count(*) as n from results').get() as { n: number }).n;
}

async function removeDatabaseFiles(path: string): Promise<void> {
  for (const suffix of ['', '-wal', '-shm', '-journal']) await rm(path + suffix, { force: true });
}
