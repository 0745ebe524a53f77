import { readFileSync } from 'node:fs';
import { Option } from 'commander';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { DEFAULT_SCORING_CONFIG, parseScoringConfig, type ScoringConfig } from '../scoring/score-config.js';
import { resolveDatabaseUrl } from '../server.js';
import { parseDatabaseUrl } from '../storage/database-url.js';
import { postgresBackupError } from '../storage/sqlite-backup.js';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether stdout is a terminal (a person reading): `plan` then prints a table. Default false. */
  stdoutIsTerminal?: boolean;
  /** The clock (`plan` checks the completion date against it). Default the system clock. */
  now?: () => Date;
}

/** Environment variable naming the database when `--database` is not given. */
export const DATABASE_URL_ENV = 'SKOLNET_DATABASE_URL';

/** The `--database` option every command that opens the store takes. */
export function databaseOption(): Option {
  // No argument parser: commander would quote the rejected value (and its
  // password) in its message; createStore checks the URL without echoing it.
  return new Option(
    '--database <url>',
    'database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: sqlite:<data dir>/collector.db)',
  ).env(DATABASE_URL_ENV);
}

/** Help text of `--data` on the commands that open the store. */
export const DATA_DIR_HELP = 'data directory (holds the SQLite database unless --database says otherwise)';

/** Reads a JSON file the user named; `what` names it in the error. */
export function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${what} ${path} cannot be read as JSON`, {
      cause: err,
    });
  }
}

/** The scoring config: defaults, or a JSON file's overrides validated against them. */
export function scoringFrom(path: string | undefined): ScoringConfig {
  return path === undefined ? DEFAULT_SCORING_CONFIG : parseScoringConfig(readJson(path, 'scoring config'));
}

/** The SQLite file behind `--database`/`--data`; PostgreSQL has its own tools. */
export function sqliteFile(command: 'backup' | 'restore', opts: { data: string; database?: string }): string {
  const location = parseDatabaseUrl(resolveDatabaseUrl(opts.database, opts.data));
  if (location.dialect === 'postgres') throw postgresBackupError(command);
  if (location.path === ':memory:') {
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `an in-memory database has nothing to ${command}`);
  }
  return location.path;
}
