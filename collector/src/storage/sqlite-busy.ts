import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';

/**
 * How long SQLite itself waits for a lock held by another process, per
 * attempt, in ms (`PRAGMA busy_timeout`). better-sqlite3 is synchronous,
 * so this wait holds the collector's only thread: every agent's batches,
 * heartbeats and every request stand still meanwhile. A commit of another
 * process (`npm run demo:seed`, `admin-token --reset`, a second collector)
 * takes a few ms; beyond this the wait continues without holding the
 * thread, in {@link retryWhileBusy}.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 100;

/**
 * How long one statement or transaction keeps trying while the database
 * stays locked, in ms, before it fails with a retryable
 * `SKOLNET_STORE_FAILED` (HTTP 503). Another process's longest
 * transaction (a rollup refresh of up to 5,000 rows) holds the lock well
 * under a second; 30 s leaves room for a slow disk's fsync under load and
 * stays below an agent's batch acknowledgement timeout.
 */
export const SQLITE_BUSY_RETRY_LIMIT_MS = 30_000;

/** First pause between attempts while the database is locked, ms; doubles per attempt. */
const SQLITE_BUSY_BACKOFF_FIRST_MS = 5;
/** Longest pause between attempts, ms: a released lock is taken within this. */
const SQLITE_BUSY_BACKOFF_MAX_MS = 200;

/**
 * Whether `err` is SQLite saying that another connection holds the lock
 * it needs: `SQLITE_BUSY` or an extended form of it (`SQLITE_BUSY_SNAPSHOT`:
 * a transaction's snapshot went stale before it could write;
 * `SQLITE_BUSY_RECOVERY`, `SQLITE_BUSY_TIMEOUT`). Repeating the whole
 * statement or transaction later can succeed.
 */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/** Seams of {@link retryWhileBusy}; tests pass their own clock and sleep. */
export interface BusyRetryOptions {
  /** Total time to keep trying, ms; default {@link SQLITE_BUSY_RETRY_LIMIT_MS}. */
  limitMs?: number;
  /** Monotonic clock in ms. */
  now?: () => number;
  /** Waits `ms` without holding the event loop. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each repeat, with the error that caused it. */
  onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `op`; when SQLite reports the database busy ({@link isSqliteBusy}),
 * runs it again after a short, growing, jittered pause, until it succeeds
 * or `limitMs` have passed, and then throws a retryable
 * `SKOLNET_STORE_FAILED` with the last busy error as cause. `op` must be
 * a whole unit that left nothing behind when it failed: a statement
 * outside a transaction, or a whole transaction (rolled back).
 */
export async function retryWhileBusy<T>(op: () => Promise<T>, options: BusyRetryOptions = {}): Promise<T> {
  const now = options.now ?? (() => performance.now());
  const wait = options.sleep ?? ((ms: number) => sleep(ms).then(() => undefined));
  const limitMs = options.limitMs ?? SQLITE_BUSY_RETRY_LIMIT_MS;
  const started = now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await op();
    } catch (err) {
      if (!isSqliteBusy(err)) throw err;
      const elapsed = now() - started;
      if (elapsed >= limitMs) {
        throw new SkolnetError(
          ErrorCodes.STORE_FAILED,
          `the database stayed locked by another process for ${Math.round(elapsed / 1000)} s`,
          { cause: err, retryable: true },
        );
      }
      const backoff = Math.min(SQLITE_BUSY_BACKOFF_MAX_MS, SQLITE_BUSY_BACKOFF_FIRST_MS * 2 ** (attempt - 1));
      // Jitter, so two processes that met at a lock do not meet again.
      const pause = Math.min(backoff * (0.5 + Math.random() / 2), limitMs - elapsed);
      options.onRetry?.(err, attempt);
      await wait(pause);
    }
  }
}

/**
 * better-sqlite3 through Kysely, with two changes for a database file that
 * other processes write too:
 *
 * - Transactions begin `IMMEDIATE`, taking the write lock first. Kysely's
 *   plain `BEGIN` is deferred: a transaction that reads and then writes
 *   (a rollup refresh, an enrollment) reads a snapshot, and if another
 *   process commits before its first write, SQLite refuses the write at
 *   once with `SQLITE_BUSY_SNAPSHOT` (or `SQLITE_BUSY` while the other
 *   still holds the lock), without waiting: the busy timeout cannot help
 *   a transaction whose snapshot is stale.
 * - A statement outside a transaction, `BEGIN IMMEDIATE` included, that
 *   finds the database locked is repeated by {@link retryWhileBusy}. Inside
 *   a transaction nothing is repeated here: the store repeats the whole
 *   transaction.
 */
export class BusyAwareSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #retry: BusyRetryOptions;
  readonly #sqliteInTransaction: (() => boolean) | undefined;

  /**
   * `sqliteInTransaction` reads better-sqlite3's `inTransaction` of the
   * connection: whether SQLite still has the transaction open. Default:
   * taken from `config.database` when it is the connection itself.
   */
  constructor(
    config: SqliteDialectConfig,
    retry: BusyRetryOptions = {},
    sqliteInTransaction?: () => boolean,
  ) {
    super(config);
    this.#config = config;
    this.#retry = retry;
    const database = config.database as { inTransaction?: unknown };
    this.#sqliteInTransaction =
      sqliteInTransaction ??
      (typeof database === 'object' && typeof database.inTransaction === 'boolean'
        ? () => database.inTransaction as boolean
        : undefined);
  }

  override createDriver(): Driver {
    return new BusyAwareSqliteDriver(this.#config, this.#retry, this.#sqliteInTransaction);
  }
}

class BusyAwareSqliteDriver extends SqliteDriver {
  readonly #retry: BusyRetryOptions;
  readonly #sqliteInTransaction: (() => boolean) | undefined;
  /** Kysely's SQLite driver has one connection; whether it is inside a transaction. */
  #inTransaction = false;

  constructor(config: SqliteDialectConfig, retry: BusyRetryOptions, sqliteInTransaction?: () => boolean) {
    super(config);
    this.#retry = retry;
    this.#sqliteInTransaction = sqliteInTransaction;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
        this.#inTransaction
          ? connection.executeQuery<R>(query)
          : retryWhileBusy(() => connection.executeQuery<R>(query), this.#retry),
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) =>
        connection.streamQuery<R>(query, chunkSize),
    };
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    this.#inTransaction = true;
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
    this.#inTransaction = false;
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      // SQLite rolls the whole transaction back itself after some errors
      // (SQLITE_FULL on a full disk, SQLITE_IOERR, SQLITE_NOMEM). A ROLLBACK
      // then fails with "cannot rollback - no transaction is active", and
      // Kysely throws that instead of the error that mattered.
      if (this.#sqliteInTransaction?.() === false) return;
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } finally {
      this.#inTransaction = false;
    }
  }
}
