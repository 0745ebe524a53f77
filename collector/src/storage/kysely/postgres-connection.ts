import { userInfo } from 'node:os';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { redactSecrets } from '../database-url.js';
import { migrateToLatest } from './migrate.js';
import type { CollectorDatabase } from './rows.js';

/**
 * PostgreSQL connections per collector. Requests are short and the event
 * loop is single-threaded, so a few connections keep it busy; ten leaves
 * room under the server's default `max_connections` (100) for several
 * collectors, the `admin-token` and `plan` commands and an operator's psql.
 */
export const DEFAULT_POOL_SIZE = 10;

/**
 * Longest a PostgreSQL statement may run, in ms, before the server cancels
 * it: a runaway query must not hold a pooled connection (and a lock) for
 * ever. The heaviest statements (a week of results for scoring, a
 * 100-row insert) take well under a second on a healthy server.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** How long opening a PostgreSQL connection may take, in ms. */
const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** PostgreSQL closes a pooled connection idle this long, in ms. */
const POSTGRES_IDLE_TIMEOUT_MS = 30_000;

/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification (pg_hba.conf). */
const POSTGRES_AUTH_FAILED = new Set(['28P01', '28000']);

/** SQLSTATE invalid_catalog_name: the database does not exist. */
const POSTGRES_NO_DATABASE = '3D000';

/** Node's error codes for a server that cannot be reached. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** Options of a PostgreSQL connection (the store factory's `StoreOptions`). */
export interface PostgresOptions {
  /** Most pooled connections; default {@link DEFAULT_POOL_SIZE}. */
  poolSize?: number;
  /** Server-side statement timeout in ms; default {@link DEFAULT_STATEMENT_TIMEOUT_MS}. */
  statementTimeoutMs?: number;
}

/**
 * Opens a pool on the PostgreSQL database at `url` and migrates it. Throws
 * `SKOLNET_STORE_FAILED` naming the database by `display`, never with its
 * password, when it cannot be opened.
 */
export async function openPostgresDatabase(
  url: string,
  display: string,
  options: PostgresOptions,
): Promise<Kysely<CollectorDatabase>> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: POSTGRES_IDLE_TIMEOUT_MS,
    application_name: 'skolnet-collector',
  });
  // An idle pooled connection that the server drops (restart, failover)
  // is reported here; without a listener it would crash the process. The
  // pool discards it and the next query opens a fresh one.
  pool.on('error', () => undefined);
  // As pg decides it: the URL's user, else PGUSER, else the OS account.
  const user = decodeURIComponent(new URL(url).username) || process.env.PGUSER || userInfo().username;
  try {
    // Fail at start with a clear message rather than at the first request.
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw postgresOpenError(err, display, user);
  }
  const db = new Kysely<CollectorDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

function postgresOpenError(err: unknown, display: string, user: string): SkolnetError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && POSTGRES_AUTH_FAILED.has(code)) {
    return new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `PostgreSQL at ${display} refused the login of user "${user}" (wrong password, or not allowed by pg_hba.conf)`,
      { cause: err },
    );
  }
  if (code === POSTGRES_NO_DATABASE) {
    return new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `PostgreSQL at ${display}: the database does not exist`,
      {
        cause: err,
      },
    );
  }
  if ((typeof code === 'string' && UNREACHABLE_CODES.has(code)) || /timeout/i.test(message)) {
    return new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `cannot reach PostgreSQL at ${display} (${typeof code === 'string' ? code : redactSecrets(message)})`,
      { cause: err, retryable: true },
    );
  }
  return new SkolnetError(
    ErrorCodes.STORE_FAILED,
    `cannot open PostgreSQL at ${display}: ${redactSecrets(message)}`,
    { cause: err },
  );
}
