import { resolve } from 'node:path';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';

/** Where the collector keeps its data, as parsed from a database URL. */
export type DatabaseLocation =
  | {
      dialect: 'sqlite';
      /** Absolute file path, or `:memory:` for a throwaway database. */
      path: string;
    }
  | {
      dialect: 'postgres';
      /** The URL as given, password included: hand it only to the driver. */
      url: string;
      /** `host:port/database` for messages; never the password. */
      display: string;
    };

/** Query parameters of a PostgreSQL URL that carry secrets. */
const SECRET_PARAMS = ['password', 'sslpassword'];

/** The default PostgreSQL port (used in messages when the URL omits one). */
const POSTGRES_DEFAULT_PORT = 5432;

/** `sqlite:<path>`: the URL of a SQLite database file. */
export function sqliteDatabaseUrl(path: string): string {
  return `sqlite:${path}`;
}

/**
 * Parses `sqlite:PATH` (relative paths resolve against the working
 * directory; `sqlite::memory:` is a throwaway database) or
 * `postgres://…` / `postgresql://…`. Throws `SKOLNET_CONFIG_INVALID`
 * for anything else, without repeating the URL (it may hold a password).
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  const trimmed = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const path = trimmed.slice('sqlite:'.length);
    if (path === '') {
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        'database URL sqlite: needs a file path, e.g. sqlite:./data/collector.db',
      );
    }
    return { dialect: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        'database URL is not a valid postgres:// URL (expected postgres://USER:PASSWORD@HOST:PORT/DATABASE)',
      );
    }
    if (parsed.hostname === '' || parsed.pathname.length <= 1) {
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        `database URL ${redactDatabaseUrl(trimmed)} must name a host and a database (postgres://USER:PASSWORD@HOST:PORT/DATABASE)`,
      );
    }
    const database = decodeURIComponent(parsed.pathname.slice(1));
    return {
      dialect: 'postgres',
      url: trimmed,
      display: `${parsed.hostname}:${parsed.port || POSTGRES_DEFAULT_PORT}/${database}`,
    };
  }
  throw new SkolnetError(
    ErrorCodes.CONFIG_INVALID,
    `database URL must start with sqlite: or postgres:// (got ${scheme === undefined ? 'no scheme' : `${scheme}:`})`,
  );
}

/**
 * The URL with its password (user info and `password=` parameters)
 * replaced by `***`, for logs and messages. Text that is not a URL is
 * returned with anything that looks like `scheme://user:secret@`
 * redacted.
 */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactSecrets(url);
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of SECRET_PARAMS) {
    if (parsed.searchParams.has(key)) parsed.searchParams.set(key, '***');
  }
  // URL re-encodes `***` in the search part; keep it readable.
  return parsed.toString().replace(/%2A%2A%2A/g, '***');
}

/**
 * Redacts every `scheme://user:secret@` and `password=secret` in free
 * text: a last line of defence for error messages that might quote a URL.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/\b((?:ssl)?password=)[^&\s]*/gi, '$1***');
}
