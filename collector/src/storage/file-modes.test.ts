import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '../server.js';
import { createTempDir } from '../testing/fixtures.js';
import { backupSqlite, restoreSqlite } from './sqlite-backup.js';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('file modes of the collector data', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let running: RunningCollector | undefined;
  let umask: number;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    // The common default umask, under which the files used to come out 755/644.
    umask = process.umask(0o022);
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    process.umask(umask);
    await remove();
  });

  const start = async (dataDir: string): Promise<RunningCollector> =>
    startCollector({ port: 0, dataDir, logger: false, dashboardAssets: false });

  it('creates the data folder 700 and collector.db, -wal and -shm 600', async () => {
    const dataDir = join(dir, 'data');
    running = await start(dataDir);
    // A write, so the -wal and -shm exist.
    await running.store.setMeta('probe', 'x');
    expect(modeOf(dataDir)).toBe(0o700);
    for (const name of ['collector.db', 'collector.db-wal', 'collector.db-shm']) {
      expect([name, modeOf(join(dataDir, name))]).toEqual([name, 0o600]);
    }
  });

  it('tightens a data folder and database files that an earlier version left open', async () => {
    const dataDir = join(dir, 'old-data');
    running = await start(dataDir);
    await running.store.setMeta('probe', 'x');
    await running.close();
    running = undefined;
    chmodSync(dataDir, 0o755);
    // A clean stop folds the -wal and -shm into the database and removes them.
    chmodSync(join(dataDir, 'collector.db'), 0o644);
    running = await start(dataDir);
    await running.store.setMeta('probe', 'y');
    expect(modeOf(dataDir)).toBe(0o700);
    for (const name of ['collector.db', 'collector.db-wal', 'collector.db-shm']) {
      expect([name, modeOf(join(dataDir, name))]).toEqual([name, 0o600]);
    }
  });

  it('writes backups 600 and restores into a 600 file whatever the backup file was', async () => {
    const dataDir = join(dir, 'data');
    running = await start(dataDir);
    await running.store.setMeta('probe', 'x');
    const copy = join(dir, 'copy.db');
    await backupSqlite(join(dataDir, 'collector.db'), copy);
    expect(modeOf(copy)).toBe(0o600);
    await running.close();
    running = undefined;
    chmodSync(copy, 0o644);
    const target = join(dir, 'restored', 'collector.db');
    mkdirSync(join(dir, 'restored'));
    await restoreSqlite(copy, target, { pidFile: join(dir, 'restored', 'collector.pid') });
    expect(modeOf(target)).toBe(0o600);
  });
});
