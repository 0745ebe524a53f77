import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

/**
 * Mode of the collector's data directory: owner only. It holds every
 * result and the hashes of enrollment codes and secrets, so nobody else
 * on the machine should even list it.
 */
export const PRIVATE_DIR_MODE = 0o700;

/** Mode of the database file, its `-wal` and `-shm`, backups and staged restores: owner read and write. */
export const PRIVATE_FILE_MODE = 0o600;

/** Files SQLite keeps beside a database in WAL mode (sqlite.org/wal.html, "Files"). */
export const SQLITE_SIDE_FILES = ['-wal', '-shm'] as const;

/**
 * Creates `dir` (and its parents) with {@link PRIVATE_DIR_MODE} when
 * missing. With `tighten`, an existing directory is set to that mode too:
 * the data directory of earlier versions was created 755.
 */
export function ensurePrivateDir(dir: string, tighten: boolean): void {
  if (!existsSync(dir)) {
    // The mode applies to the last directory only; parents get the umask's.
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // mkdir's mode is masked by the umask; a umask cannot widen 700, but chmod makes it exact.
    chmodSync(dir, PRIVATE_DIR_MODE);
    return;
  }
  if (tighten) chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Gives a SQLite database file {@link PRIVATE_FILE_MODE} before SQLite
 * opens it: a missing file is created empty with that mode (an empty file
 * is a valid, empty database), an existing one and its `-wal` and `-shm`
 * are set to it. SQLite creates the `-wal` and `-shm` of a database with
 * the database file's own permissions (os_unix.c, findCreateFileMode), so
 * they follow.
 */
export function preparePrivateDatabaseFile(path: string): void {
  if (!existsSync(path)) {
    closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  }
  chmodSync(path, PRIVATE_FILE_MODE);
  for (const suffix of SQLITE_SIDE_FILES) {
    if (existsSync(path + suffix)) chmodSync(path + suffix, PRIVATE_FILE_MODE);
  }
}
