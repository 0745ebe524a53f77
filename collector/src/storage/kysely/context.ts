import type { Kysely, Transaction } from 'kysely';
import type { StoreDialect } from '../migrations/migration-provider.js';
import { retryWhileBusy } from '../sqlite-busy.js';
import type { CollectorDatabase } from './rows.js';

/**
 * What the parts of the Kysely store (schools, agents, results, rollups,
 * retention) share: one connection, its dialect, transactions, and the read
 * horizon, so a horizon set on the store bounds the reads of every part.
 */
export class KyselyContext {
  /** Latest `at` a read returns when the caller gives no `until` (see {@link setReadHorizon}). */
  #readHorizon: (() => Date) | undefined;

  /** Wraps an open, migrated database. */
  constructor(
    readonly db: Kysely<CollectorDatabase>,
    readonly dialect: StoreDialect,
  ) {}

  /**
   * Runs `fn` in a transaction. On SQLite a transaction that found the
   * database locked by another process (or its snapshot stale) is rolled
   * back and run again from the start (sqlite-busy.ts); PostgreSQL waits
   * for its row locks itself.
   */
  transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    const run = (): Promise<T> => this.db.transaction().execute(fn);
    return this.dialect === 'sqlite' ? retryWhileBusy(run) : run();
  }

  /** Sets the default upper time bound of reads (`Store.setReadHorizon`). */
  setReadHorizon(horizon: (() => Date) | undefined): void {
    this.#readHorizon = horizon;
  }

  /** The upper bound of a read: the caller's, else the horizon's, else none. */
  until(explicit: Date | undefined): string | undefined {
    const until = explicit ?? this.#readHorizon?.();
    return until?.toISOString();
  }
}

/**
 * Rows per INSERT statement: 100 rows × 8 columns stays far below
 * SQLite's bound-parameter limit (32,766 since 3.32) and PostgreSQL's (65,535).
 */
export const INSERT_CHUNK_ROWS = 100;

/** Orders text by code unit, as both databases compare the collector's ASCII ids and timestamps. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
