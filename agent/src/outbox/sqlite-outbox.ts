import { accessSync, constants as fsConstants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { Result, Rejection } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, describeError, openSqlite } from '@skolnet/shared/core';

/**
 * Default cap on queued results, in rows. At roughly 300 bytes per result
 * this is ~150 MB on disk: a week offline at one result every few seconds,
 * while still fitting on the small SD cards of school mini-PCs.
 */
export const DEFAULT_OUTBOX_MAX_ROWS = 500_000;

/**
 * Rejected results kept for inspection, in rows. A probe bug can produce an
 * invalid result on every run; keeping them all would refill the disk the
 * row cap protects. The running count in `rejected_total` stays exact.
 */
export const DEFAULT_REJECTED_KEEP_ROWS = 10_000;

/**
 * How often a running agent looks for rows other processes wrote, in ms
 * (`wifi import` and `survey` append to the outbox of an agent that may be
 * running). One `PRAGMA data_version` a second is a read of SQLite's
 * shared memory, no disk I/O, and puts imported results on their way
 * within about a second.
 */
export const DEFAULT_EXTERNAL_WRITES_POLL_MS = 1_000;

/** Options of {@link SqliteOutbox}. */
export interface SqliteOutboxOptions {
  /** Most queued rows; appending beyond it drops the oldest. Default {@link DEFAULT_OUTBOX_MAX_ROWS}. */
  maxRows?: number;
  /** Most rejected rows kept for inspection. Default {@link DEFAULT_REJECTED_KEEP_ROWS}. */
  rejectedKeepRows?: number;
  /** Current time, for the `rejected_at` column; injected for tests. */
  now?: () => Date;
}

/** Counters of an outbox, for logs and `hello.outbox_depth`. */
export interface OutboxStats {
  /** Results waiting to be acked. */
  depth: number;
  /** Results lost since the file was created: dropped by the size cap, or never queued (see `dropped_by_cause`). */
  dropped_total: number;
  /** `dropped_total` by cause: `cap` (the size cap), `disk_full`, `read_only`, `store_error`. */
  dropped_by_cause: Record<string, number>;
  /** Results the collector rejected since the file was created. */
  rejected_total: number;
  /** `at` of the oldest waiting result, or null when empty. */
  oldest_at: string | null;
}

/** What one {@link SqliteOutbox.settle} call removed. */
export interface SettleOutcome {
  /** Rows deleted because the collector stored them. */
  accepted: number;
  /** Rows moved to the `rejected` table. */
  rejected: number;
}

/** What one {@link SqliteOutbox.append} call did. */
export interface AppendOutcome {
  /** Rows newly queued (a result id already queued is ignored). */
  appended: number;
  /** Oldest rows dropped to stay under the cap. */
  dropped: number;
}

/** A rejected result kept for inspection. */
export interface RejectedRow {
  id: string;
  code: string;
  reason: string;
  rejected_at: string;
  result: Result;
}

// AUTOINCREMENT (not plain rowid) so a sequence number is never reused,
// even after the newest row was deleted: peek order is append order forever.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  seq   INTEGER PRIMARY KEY AUTOINCREMENT,
  id    TEXT NOT NULL UNIQUE,
  at    TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL,
  code        TEXT NOT NULL,
  reason      TEXT NOT NULL,
  rejected_at TEXT NOT NULL,
  body        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('dropped_total', 0), ('rejected_total', 0);
`;

type Listener = () => void;

/** Why results could not be queued: the outbox's write failed. */
export type LossCause = 'disk_full' | 'read_only' | 'store_error';

/**
 * Classifies a failed outbox write by the cause SQLite or the system gave
 * (SQLITE_FULL / ENOSPC; SQLITE_READONLY / EROFS / EACCES), read from the
 * error and its causes, since `append` wraps the driver's error.
 */
export function lossCause(err: unknown): LossCause {
  const text: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth += 1) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string') text.push(code);
    if (typeof message === 'string') text.push(message);
    e = cause;
  }
  const all = text.join(' ');
  if (/SQLITE_FULL|ENOSPC|disk is full|No space left/i.test(all)) return 'disk_full';
  if (/SQLITE_READONLY|EROFS|EACCES|read-?only/i.test(all)) return 'read_only';
  return 'store_error';
}

/** Meta keys counting results lost before they were queued, by cause (`lost_disk_full`, …). */
export const LOST_META_PREFIX = 'lost_';

/**
 * `dropped_total` split by cause from the outbox's `lost_<cause>` meta
 * rows; what they do not account for was dropped by the size cap (files
 * written before causes were kept counted only that).
 */
export function droppedByCause(
  droppedTotal: number,
  lostRows: readonly { key: string; value: number }[],
): Record<string, number> {
  const byCause: Record<string, number> = {};
  let lost = 0;
  for (const { key, value } of lostRows) {
    byCause[key.slice(LOST_META_PREFIX.length)] = value;
    lost += value;
  }
  return { cap: Math.max(0, droppedTotal - lost), ...byCause };
}

/**
 * The agent's durable queue of results on their way to the collector: a
 * SQLite file in WAL mode with `synchronous=FULL`, so a result that
 * `append` returned for survives a power cut. Rows leave only when the
 * collector settles them (or the size cap drops the oldest).
 *
 * The running agent owns the file; short-lived commands (`wifi import`,
 * `survey`) may append to it from another process meanwhile. The agent
 * notices their rows through {@link SqliteOutbox.watchExternalWrites}.
 */
export class SqliteOutbox {
  /** Path of the SQLite file. */
  readonly file: string;
  readonly #db: Database.Database;
  readonly #maxRows: number;
  readonly #rejectedKeep: number;
  readonly #now: () => Date;
  readonly #listeners = new Set<Listener>();
  #depth: number;
  #closed = false;
  #watch: NodeJS.Timeout | undefined;
  #dataVersion = 0;

  readonly #stmts: {
    insert: Database.Statement<[string, string, number, string]>;
    peek: Database.Statement<[number], { id: string; bytes: number; body: string }>;
    deleteById: Database.Statement<[string]>;
    moveRejected: Database.Statement<[string, string, string, string]>;
    dropOldest: Database.Statement<[number]>;
    trimRejected: Database.Statement<[number]>;
    addMeta: Database.Statement<[number, string]>;
    upsertMeta: Database.Statement<[string, number]>;
    getMeta: Database.Statement<[string], { value: number }>;
    lostMeta: Database.Statement<[], { key: string; value: number }>;
    oldest: Database.Statement<[], { at: string }>;
    count: Database.Statement<[], { n: number }>;
    dataVersion: Database.Statement<[], number>;
  };

  /**
   * Opens (creating when missing) the outbox at `file`.
   * @throws SkolnetError `SKOLNET_OUTBOX_FAILED` naming the file when it cannot be opened.
   */
  constructor(file: string, options: SqliteOutboxOptions = {}) {
    this.file = file;
    this.#maxRows = options.maxRows ?? DEFAULT_OUTBOX_MAX_ROWS;
    this.#rejectedKeep = options.rejectedKeepRows ?? DEFAULT_REJECTED_KEEP_ROWS;
    this.#now = options.now ?? (() => new Date());
    if (!Number.isInteger(this.#maxRows) || this.#maxRows < 1) {
      throw new SkolnetError(
        ErrorCodes.OUTBOX_FAILED,
        `outbox maxRows must be a positive integer, got ${this.#maxRows}`,
      );
    }
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(file), { recursive: true });
      db = openSqlite(file);
      // better-sqlite3 opens lazily: a corrupt or foreign file shows up at
      // the first statement, so these pragmas double as the open check.
      const mode: unknown = db.pragma('journal_mode = WAL', { simple: true });
      if (typeof mode !== 'string' || mode.toLowerCase() !== 'wal') {
        throw new Error(`could not switch to WAL journal mode (got ${String(mode)})`);
      }
      db.pragma('synchronous = FULL');
      // A second process (say `sqlite3` opened for inspection) may hold a lock briefly.
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      this.#db = db;
      this.#stmts = {
        insert: db.prepare('INSERT OR IGNORE INTO outbox (id, at, bytes, body) VALUES (?, ?, ?, ?)'),
        peek: db.prepare('SELECT id, bytes, body FROM outbox ORDER BY seq LIMIT ?'),
        deleteById: db.prepare('DELETE FROM outbox WHERE id = ?'),
        moveRejected: db.prepare(
          'INSERT INTO rejected (id, code, reason, rejected_at, body) SELECT id, ?, ?, ?, body FROM outbox WHERE id = ?',
        ),
        dropOldest: db.prepare(
          'DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)',
        ),
        trimRejected: db.prepare(
          'DELETE FROM rejected WHERE seq <= (SELECT seq FROM rejected ORDER BY seq DESC LIMIT 1 OFFSET ?)',
        ),
        addMeta: db.prepare('UPDATE meta SET value = value + ? WHERE key = ?'),
        upsertMeta: db.prepare(
          'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value',
        ),
        getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
        lostMeta: db.prepare(`SELECT key, value FROM meta WHERE key LIKE '${LOST_META_PREFIX}%'`),
        oldest: db.prepare('SELECT at FROM outbox ORDER BY seq LIMIT 1'),
        count: db.prepare('SELECT COUNT(*) AS n FROM outbox'),
        // Changes whenever another connection commits; this one's own writes leave it alone.
        dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      };
      // Counted once here; afterwards this process keeps the figure current
      // for its own writes (no full scan per batch) and counts again only
      // when another process wrote (watchExternalWrites).
      this.#depth = this.#stmts.count.get()?.n ?? 0;
      this.#dataVersion = this.#stmts.dataVersion.get() ?? 0;
    } catch (err) {
      db?.close();
      throw new SkolnetError(
        ErrorCodes.OUTBOX_FAILED,
        `cannot open outbox ${file}: ${describeError(err)}${directoryProblem(dirname(file))}`,
        { cause: err },
      );
    }
  }

  /**
   * Queues results durably, in one transaction: when this returns, they are
   * on disk. Drops the oldest rows when the cap is exceeded and counts them.
   * @throws SkolnetError `SKOLNET_OUTBOX_FAILED` (retryable) when the write fails, e.g. a full disk.
   */
  append(results: readonly Result[]): AppendOutcome {
    if (results.length === 0) return { appended: 0, dropped: 0 };
    this.#assertOpen();
    const outcome = this.#write('append to', () => {
      let appended = 0;
      for (const r of results) {
        const body = JSON.stringify(r);
        appended += this.#stmts.insert.run(r.id, r.at, Buffer.byteLength(body), body).changes;
      }
      let dropped = 0;
      const excess = this.#depth + appended - this.#maxRows;
      if (excess > 0) {
        dropped = this.#stmts.dropOldest.run(excess).changes;
        this.#stmts.addMeta.run(dropped, 'dropped_total');
      }
      return { appended, dropped };
    });
    this.#depth += outcome.appended - outcome.dropped;
    if (outcome.appended > 0) {
      for (const listener of [...this.#listeners]) listener();
    }
    return outcome;
  }

  /**
   * The oldest queued results, in append order: at most `limit` rows and,
   * beyond the first, at most `maxBytes` of serialised JSON (a comma per
   * row included). The first row is always returned so an oversized one
   * cannot block the queue; the caller decides what to do with it.
   */
  peek(limit: number, maxBytes: number = Number.POSITIVE_INFINITY): Result[] {
    this.#assertOpen();
    if (limit < 1) return [];
    const rows = this.#stmts.peek.all(limit);
    const out: Result[] = [];
    let total = 0;
    for (const row of rows) {
      total += row.bytes + (out.length > 0 ? 1 : 0);
      if (out.length > 0 && total > maxBytes) break;
      out.push(JSON.parse(row.body) as Result);
    }
    return out;
  }

  /**
   * Removes settled rows: `accepted` ids are deleted, `rejected` ones move
   * to the `rejected` table with their reason. Ids not queued (already
   * settled, or never here) are ignored, so settling twice is harmless.
   */
  settle(accepted: readonly string[], rejected: readonly Rejection[]): SettleOutcome {
    this.#assertOpen();
    if (accepted.length === 0 && rejected.length === 0) return { accepted: 0, rejected: 0 };
    const outcome = this.#write('settle', () => {
      let acc = 0;
      for (const id of accepted) acc += this.#stmts.deleteById.run(id).changes;
      let rej = 0;
      const at = this.#now().toISOString();
      for (const r of rejected) {
        if (this.#stmts.moveRejected.run(r.code, r.message, at, r.id).changes === 0) continue;
        rej += this.#stmts.deleteById.run(r.id).changes;
      }
      if (rej > 0) {
        this.#stmts.addMeta.run(rej, 'rejected_total');
        this.#stmts.trimRejected.run(this.#rejectedKeep);
      }
      return { accepted: acc, rejected: rej };
    });
    this.#depth -= outcome.accepted + outcome.rejected;
    return outcome;
  }

  /** Results waiting to be acked. */
  depth(): number {
    return this.#depth;
  }

  /**
   * Counts results that never reached the outbox (its write failed: a full
   * disk, a read-only directory), by cause, into `dropped_total`. The run
   * command calls it once the outbox takes writes again.
   * @throws SkolnetError `SKOLNET_OUTBOX_FAILED` when the write fails.
   */
  recordLost(cause: string, count: number): void {
    this.#assertOpen();
    if (count <= 0) return;
    this.#write('count losses in', () => {
      this.#stmts.addMeta.run(count, 'dropped_total');
      this.#stmts.upsertMeta.run(`${LOST_META_PREFIX}${cause}`, count);
    });
  }

  /** Depth and counters. */
  stats(): OutboxStats {
    this.#assertOpen();
    const droppedTotal = this.#stmts.getMeta.get('dropped_total')?.value ?? 0;
    return {
      depth: this.#depth,
      dropped_total: droppedTotal,
      dropped_by_cause: droppedByCause(droppedTotal, this.#stmts.lostMeta.all()),
      rejected_total: this.#stmts.getMeta.get('rejected_total')?.value ?? 0,
      oldest_at: this.#stmts.oldest.get()?.at ?? null,
    };
  }

  /** The most recently rejected results, newest first, for inspection. */
  rejected(limit = 100): RejectedRow[] {
    this.#assertOpen();
    const rows = this.#db
      .prepare<[number], { id: string; code: string; reason: string; rejected_at: string; body: string }>(
        'SELECT id, code, reason, rejected_at, body FROM rejected ORDER BY seq DESC LIMIT ?',
      )
      .all(limit);
    return rows.map(({ body, ...rest }) => ({ ...rest, result: JSON.parse(body) as Result }));
  }

  /**
   * Calls `listener` after every append that queued at least one row.
   * Returns a function that unsubscribes. Lets the stream client sleep
   * while the outbox is empty instead of polling it.
   */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Looks every `intervalMs` for commits by other processes (another
   * command appending imported results, say): when there were any, the
   * depth is counted again and, with rows waiting, the
   * {@link SqliteOutbox.onAppend} listeners are called, so a running
   * stream sends them without a restart. Until {@link SqliteOutbox.close};
   * calling it again changes the interval. The timer does not keep the
   * process alive.
   */
  watchExternalWrites(intervalMs: number = DEFAULT_EXTERNAL_WRITES_POLL_MS): void {
    this.#assertOpen();
    clearInterval(this.#watch);
    this.#watch = setInterval(() => this.checkExternalWrites(), intervalMs);
    this.#watch.unref();
  }

  /**
   * Counts the rows again when another process committed since the last
   * look, and wakes the append listeners when rows are waiting. Returns
   * true when another process had written. A failed look (the file
   * briefly locked) is tried again at the next one.
   */
  checkExternalWrites(): boolean {
    if (this.#closed) return false;
    let version: number;
    let depth: number;
    try {
      version = this.#stmts.dataVersion.get() ?? 0;
      if (version === this.#dataVersion) return false;
      depth = this.#stmts.count.get()?.n ?? 0;
    } catch {
      return false;
    }
    this.#dataVersion = version;
    this.#depth = depth;
    if (depth > 0) {
      for (const listener of [...this.#listeners]) listener();
    }
    return true;
  }

  /** Closes the file. Further calls fail; closing twice is harmless. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watch);
    this.#watch = undefined;
    this.#listeners.clear();
    this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SkolnetError(ErrorCodes.OUTBOX_FAILED, `outbox ${this.file} is closed`);
  }

  #write<T>(what: string, fn: () => T): T {
    try {
      return this.#db.transaction(fn)();
    } catch (err) {
      throw new SkolnetError(
        ErrorCodes.OUTBOX_FAILED,
        `cannot ${what} outbox ${this.file}: ${describeError(err)}`,
        {
          cause: err,
          retryable: true,
        },
      );
    }
  }
}

/**
 * Why SQLite could not create its files in `dir`, in words an operator can
 * act on ("unable to open database file" alone does not say), or ''.
 */
function directoryProblem(dir: string): string {
  try {
    accessSync(dir, fsConstants.W_OK);
    return '';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return `; the state directory ${dir} is on a read-only file system`;
    if (code === 'EACCES' || code === 'EPERM')
      return `; this user (uid ${process.getuid?.() ?? '?'}) may not write to the state directory ${dir}`;
    return '';
  }
}
