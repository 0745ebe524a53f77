import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, openSqlite } from '@skolnet/shared';
import { createTempDir, makeResult } from '../testing/fixtures.js';
import { createSqliteStore, createStore, type KyselyStore } from './kysely-store.js';
import { createMigrationProvider } from './migrations/migration-provider.js';

// What every backend must do is tested once for all in
// test/conformance/store.conformance.test.ts; here only SQLite's own setup.
describe('KyselyStore on SQLite', () => {
  let dir: string;
  let remove: () => Promise<void>;
  const open: KyselyStore[] = [];

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close().catch(() => undefined);
    await remove();
  });

  const track = (store: KyselyStore): KyselyStore => {
    open.push(store);
    return store;
  };

  it('creates the file and its directory, in WAL mode, at the latest migration', async () => {
    const path = join(dir, 'nested', 'collector.db');
    const store = track(await createSqliteStore(path));
    expect(store.dialect).toBe('sqlite');
    await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const raw = openSqlite(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const migrations = raw.prepare('select name from kysely_migration order by name').all();
      const latest = Object.keys(await createMigrationProvider('sqlite').getMigrations()).sort();
      expect(latest.slice(0, 2)).toEqual(['0001-initial', '0002-binary-text-order']);
      expect(migrations).toEqual(latest.map((name) => ({ name })));
    } finally {
      raw.close();
    }
  });

  it('enforces foreign keys (SQLite leaves them off unless asked)', async () => {
    const store = track(await createSqliteStore(join(dir, 'fk.db')));
    await expect(store.createEnrollmentCode('missing', 1_000)).rejects.toMatchObject({
      code: ErrorCodes.API_NOT_FOUND,
    });
    await expect(store.insertResults([makeResult('a', 'no-such-school')])).rejects.toThrow(/FOREIGN KEY/);
  });

  it('opens sqlite: URLs, relative to the working directory, and sqlite::memory:', async () => {
    const viaUrl = track(await createStore(`sqlite:${join(dir, 'url.db')}`));
    await viaUrl.setMeta('k', 'v');
    await viaUrl.close();
    const again = track(await createSqliteStore(join(dir, 'url.db')));
    expect(await again.getMeta('k')).toBe('v');

    const memory = track(await createStore('sqlite::memory:'));
    expect(await memory.listSchools()).toEqual([]);
  });

  it('refuses a database URL of another kind with CONFIG_INVALID', async () => {
    await expect(createStore('mysql://u:hunter2@db/x')).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID,
      message: expect.not.stringContaining('hunter2') as unknown,
    });
    await expect(createStore('sqlite:')).rejects.toMatchObject({ code: ErrorCodes.CONFIG_INVALID });
  });

  it('names the file when it cannot be opened', async () => {
    // A directory where the file should be.
    await expect(createSqliteStore(dir)).rejects.toMatchObject({
      code: ErrorCodes.STORE_FAILED,
      message: `cannot open database ${dir}`,
    });
  });
});
