import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { parseDatabaseUrl, redactDatabaseUrl, redactSecrets, sqliteDatabaseUrl } from './database-url.js';

describe('database URLs', () => {
  it('parses sqlite: paths, resolving relative ones', () => {
    expect(parseDatabaseUrl('sqlite:/var/lib/skolnet/collector.db')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/skolnet/collector.db',
    });
    expect(parseDatabaseUrl('sqlite:data/collector.db')).toEqual({
      dialect: 'sqlite',
      path: resolve('data/collector.db'),
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl(sqliteDatabaseUrl('/x/y.db'))).toEqual({ dialect: 'sqlite', path: '/x/y.db' });
  });

  it('parses postgres:// and postgresql:// URLs and describes them without the password', () => {
    expect(parseDatabaseUrl('postgres://skolnet:s3cret@db.example:6543/audit')).toEqual({
      dialect: 'postgres',
      url: 'postgres://skolnet:s3cret@db.example:6543/audit',
      display: 'db.example:6543/audit',
    });
    expect(parseDatabaseUrl('postgresql://db.example/audit')).toMatchObject({
      dialect: 'postgres',
      display: 'db.example:5432/audit',
    });
  });

  it.each([
    ['another scheme', 'mysql://root:s3cret@db/x'],
    ['no scheme', 'collector.db'],
    ['an empty sqlite path', 'sqlite:'],
    ['no database', 'postgres://u:s3cret@db.example'],
    ['no host', 'postgres://u:s3cret@/x'],
    ['garbage', 'postgres://u:s3cret@[::1/x'],
  ])('refuses %s with CONFIG_INVALID, never echoing a password', (_name, url) => {
    let caught: unknown;
    try {
      parseDatabaseUrl(url);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: ErrorCodes.CONFIG_INVALID });
    expect((caught as Error).message).not.toContain('s3cret');
  });

  it('redacts passwords in URLs and in free text', () => {
    expect(redactDatabaseUrl('postgres://skolnet:s3cret@db:5432/audit')).toBe(
      'postgres://skolnet:***@db:5432/audit',
    );
    expect(redactDatabaseUrl('postgres://db/audit?user=u&password=s3cret')).toBe(
      'postgres://db/audit?user=u&password=***',
    );
    expect(redactDatabaseUrl('postgres://db/audit')).toBe('postgres://db/audit');
    expect(redactDatabaseUrl('sqlite:/x.db')).toBe('sqlite:/x.db');
    expect(redactSecrets('failed: postgresql://a:b%40c@h/d and password=xyz&k=v')).toBe(
      'failed: postgresql://a:***@h/d and password=***&k=v',
    );
    expect(redactSecrets('not a url [postgres://u:s3cret@[::1/x')).not.toContain('s3cret');
  });
});
