import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite, sqliteDriverPackage } from './sqlite-driver.js';

describe('SQLite driver choice', () => {
  it.each([
    ['20.19.0', 'better-sqlite3'],
    ['20.20.2', 'better-sqlite3'],
    ['22.12.0', 'better-sqlite3-napi'],
    ['24.21.0', 'better-sqlite3-napi'],
    ['26.0.0', 'better-sqlite3-napi'],
  ])('Node %s loads %s', (version, pkg) => {
    expect(sqliteDriverPackage(version)).toBe(pkg);
  });

  it('opens, writes and reads a database file on the running Node.js', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skolnet-sqlite-'));
    try {
      const db = openSqlite(join(dir, 't.db'));
      db.exec('CREATE TABLE t (x INTEGER)');
      db.prepare('INSERT INTO t VALUES (?)').run(42);
      expect(db.prepare('SELECT x FROM t').get()).toEqual({ x: 42 });
      db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
