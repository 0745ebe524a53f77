import { join } from 'node:path';
import { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, openSqlite, type SqliteDatabase } from '@skolnet/shared';
import { createTempDir, makeResult } from '../testing/fixtures.js';
import { createSqliteStore, type KyselyStore } from './kysely-store.js';
import { BusyAwareSqliteDialect, isSqliteBusy, retryWhileBusy } from './sqlite-busy.js';

/** An error as better-sqlite3 throws it for a lock held elsewhere. */
function sqliteError(code: string): Error {
  return Object.assign(new Error('database is locked'), { name: 'SqliteError', code });
}

describe('retryWhileBusy', () => {
  /** A clock that moves only when the retry loop sleeps. */
  const fakeTime = (): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } => {
    let t = 0;
    const slept: number[] = [];
    return {
      now: () => t,
      sleep: (ms) => {
        slept.push(ms);
        t += ms;
        return Promise.resolve();
      },
      slept,
    };
  };

  it('repeats an operation that met SQLITE_BUSY or SQLITE_BUSY_SNAPSHOT until it succeeds', async () => {
    const time = fakeTime();
    const failures = [sqliteError('SQLITE_BUSY_SNAPSHOT'), sqliteError('SQLITE_BUSY')];
    let calls = 0;
    const value = await retryWhileBusy(
      () => {
        calls += 1;
        const failure = failures.shift();
        return failure === undefined ? Promise.resolve('done') : Promise.reject(failure);
      },
      { now: time.now, sleep: time.sleep },
    );
    expect(value).toBe('done');
    expect(calls).toBe(3);
    expect(time.slept).toHaveLength(2);
  });

  it('gives up after its limit with a retryable SKOLNET_STORE_FAILED', async () => {
    const time = fakeTime();
    const busy = sqliteError('SQLITE_BUSY');
    const failed = retryWhileBusy(() => Promise.reject(busy), {
      now: time.now,
      sleep: time.sleep,
      limitMs: 1_000,
    });
    await expect(failed).rejects.toMatchObject({
      code: ErrorCodes.STORE_FAILED,
      retryable: true,
      cause: busy,
    });
    // It slept no further than the limit.
    expect(time.slept.reduce((a, b) => a + b, 0)).toBe(1_000);
  });

  it('passes any other error through at once', async () => {
    const time = fakeTime();
    const other = sqliteError('SQLITE_CONSTRAINT_FOREIGNKEY');
    await expect(retryWhileBusy(() => Promise.reject(other), time)).rejects.toBe(other);
    expect(time.slept).toEqual([]);
    expect(isSqliteBusy(sqliteError('SQLITE_BUSY_RECOVERY'))).toBe(true);
    expect(isSqliteBusy(other)).toBe(false);
    expect(isSqliteBusy(undefined)).toBe(false);
  });
});

// Another process writing the same file: `npm run demo:seed` beside a
// running collector. A second connection in this process stands in for
// it; it holds SQLite's write lock exactly as another process would.
describe('the SQLite store beside another writer', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let path: string;
  let store: KyselyStore;
  let other: SqliteDatabase;
  const timers: NodeJS.Timeout[] = [];

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    path = join(dir, 'collector.db');
    store = await createSqliteStore(path);
    other = openSqlite(path);
    // The other writer waits for nothing: its commit below must not depend on the store.
    other.pragma('busy_timeout = 0');
  });
  afterEach(async () => {
    for (const timer of timers.splice(0)) clearTimeout(timer);
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await store.close();
    await remove();
  });

  /**
   * The other connection takes the write lock and writes a row; it commits
   * after `holdMs` (a timer, so only when the store lets the event loop
   * run). Resolves true once committed.
   */
  const holdWriteLock = (holdMs: number): { committed: () => boolean } => {
    other.exec('begin immediate');
    other.prepare(`insert into meta (key, value) values ('other-writer', 'was here')`).run();
    let committed = false;
    timers.push(
      setTimeout(() => {
        other.exec('commit');
        committed = true;
      }, holdMs),
    );
    return { committed: () => committed };
  };

  it('a rollup refresh that reads before it writes waits for the other writer instead of failing', async () => {
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 10 });
    await store.insertResults([makeResult('agent', school.id)]);
    const lock = holdWriteLock(300);
    // Before: a deferred transaction read the dirty mark, then met the lock at
    // its first write and failed at once with SQLITE_BUSY (SQLITE_BUSY_SNAPSHOT
    // when the other had committed meanwhile).
    expect(await store.refreshRollups()).toBe(1);
    expect(lock.committed()).toBe(true);
    expect(await store.pendingRollupHours()).toBe(0);
    expect(await store.getMeta('other-writer')).toBe('was here');
  });

  it('an insert waits for the other writer without holding the event loop', async () => {
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 10 });
    const lock = holdWriteLock(300);
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 10);
    try {
      // Before: SQLite's own busy wait held the thread for its whole timeout,
      // so the other writer's timer could not fire and the insert failed.
      expect(await store.insertResults([makeResult('agent', school.id)])).toEqual({
        inserted: 1,
        duplicates: 0,
      });
    } finally {
      clearInterval(ticker);
    }
    expect(lock.committed()).toBe(true);
    // Timers ran while the insert waited: other requests are served meanwhile.
    expect(ticks).toBeGreaterThan(0);
    expect(await store.countResults()).toBe(1);
  });

  it('opens the database while the other writer holds the lock', async () => {
    const lock = holdWriteLock(300);
    const second = await createSqliteStore(path);
    try {
      await second.setMeta('second', 'yes');
      expect(lock.committed()).toBe(true);
      expect(await store.getMeta('second')).toBe('yes');
    } finally {
      await second.close();
    }
  });
});

// SQLite ends the whole transaction itself when the disk is full
// (SQLITE_FULL, like SQLITE_IOERR): the ROLLBACK that follows has nothing
// to roll back. `max_page_count` gives the same SQLITE_FULL without a
// full file system.
describe('a transaction that fills the disk', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let sqlite: SqliteDatabase;
  let db: Kysely<{ t: { x: string } }>;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    sqlite = openSqlite(join(dir, 'full.db'));
    sqlite.pragma('journal_mode = WAL');
    sqlite.exec('create table t (x text)');
    sqlite.pragma(`max_page_count = ${(sqlite.pragma('page_count', { simple: true }) as number) + 2}`);
    db = new Kysely({ dialect: new BusyAwareSqliteDialect({ database: sqlite }) });
  });
  afterEach(async () => {
    await db.destroy();
    await remove();
  });

  it('fails with SQLite’s own SQLITE_FULL, not a failed rollback, and leaves the connection usable', async () => {
    const filling = db.transaction().execute(async (trx) => {
      for (let i = 0; i < 100; i += 1)
        await trx
          .insertInto('t')
          .values({ x: 'x'.repeat(1_000) })
          .execute();
    });
    // Before: the rollback's "cannot rollback - no transaction is active"
    // (SQLITE_ERROR) replaced the real cause.
    await expect(filling).rejects.toMatchObject({ code: 'SQLITE_FULL' });
    expect(sqlite.inTransaction).toBe(false);
    // Nothing of the failed transaction stayed, and a small write still fits.
    await db.transaction().execute((trx) => trx.insertInto('t').values({ x: 'y' }).execute());
    expect(await db.selectFrom('t').select('x').execute()).toEqual([{ x: 'y' }]);
  });
});
