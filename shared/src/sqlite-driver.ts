import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { ErrorCodes, SkolnetError } from './errors.js';

/** An open SQLite database (the better-sqlite3 API, identical in both builds). */
export type SqliteDatabase = BetterSqlite3.Database;
/** The constructor of {@link SqliteDatabase}. */
export type SqliteDatabaseConstructor = typeof BetterSqlite3;

/**
 * First Node.js major that loads the Node-API build of better-sqlite3 (13.x).
 *
 * Why two builds: better-sqlite3 12.x wraps its objects with Node's
 * `node::ObjectWrap`, whose header in Node 24.19+ registers environment
 * cleanup hooks; a statement finalised by the garbage collector after the
 * environment is gone then aborts the process ("Assertion failed: (env) !=
 * nullptr" in RemoveEnvironmentCleanupHook). 13.x uses Node-API and is not
 * affected, but requires Node 22 and crashes on Node 20. So Node 20 loads
 * 12.x and newer lines load 13.x; the JavaScript API is the same.
 */
export const SQLITE_NAPI_FROM_NODE_MAJOR = 22;

const require = createRequire(import.meta.url);
let cached: SqliteDatabaseConstructor | undefined;

/** The package name of the build this Node.js loads. */
export function sqliteDriverPackage(nodeVersion: string = process.versions.node): string {
  const major = Number(nodeVersion.split('.')[0]);
  return major >= SQLITE_NAPI_FROM_NODE_MAJOR ? 'better-sqlite3-napi' : 'better-sqlite3';
}

/**
 * Loads the better-sqlite3 build that is safe on this Node.js version.
 * @throws SkolnetError `SKOLNET_STORE_FAILED` naming the package to
 * reinstall when it is missing or was built for another Node.js.
 */
export function loadSqlite(): SqliteDatabaseConstructor {
  if (cached) return cached;
  const name = sqliteDriverPackage();
  try {
    cached = require(name) as SqliteDatabaseConstructor;
    return cached;
  } catch (err) {
    throw new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `cannot load SQLite (${name}) on Node.js ${process.versions.node}: ${(err as Error).message}; ` +
        `reinstall with "npm ci" (or "npm rebuild ${name === 'better-sqlite3' ? 'better-sqlite3' : name}") on this Node.js`,
      { cause: err },
    );
  }
}

/** Opens a SQLite database file with the build that is safe on this Node.js. */
export function openSqlite(path: string, options?: BetterSqlite3.Options): SqliteDatabase {
  const Database = loadSqlite();
  return new Database(path, options);
}
