import { dirname, join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildAppOptions, type CollectorLoggerOption } from './app.js';
import type { AccountService } from './auth/account-service.js';
import type { SchoolSummary } from '@skolnet/shared';
import { parseDatabaseUrl, redactDatabaseUrl, sqliteDatabaseUrl } from './storage/database-url.js';
import { ensurePrivateDir } from './storage/file-modes.js';
import { createStore } from './storage/kysely-store.js';
import { startMaintenance, type Maintenance } from './storage/maintenance.js';
import { writePidFile } from './storage/pid-file.js';
import type { Store } from './storage/store.js';

/** File name of the SQLite database inside the data directory. */
export const DATABASE_FILE = 'collector.db';

/**
 * File in the data directory holding the process id of the collector
 * serving it, while it runs; `restore` refuses to replace a database
 * whose collector is alive.
 */
export const PID_FILE = 'collector.pid';

/** Options of {@link startCollector}. */
export interface StartCollectorOptions {
  /** Address to listen on; default 127.0.0.1 (only this machine). */
  host?: string;
  /** TCP port; 0 picks a free one. Default 8080. */
  port?: number;
  /** Directory of the SQLite database when `database` is not given; created if missing. Default `./data`. */
  dataDir?: string;
  /**
   * Database URL: `sqlite:PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
   * Default `sqlite:<dataDir>/collector.db`.
   */
  database?: string;
  /** Logging; default info to stdout, false for none. */
  logger?: CollectorLoggerOption;
  /** Shorthand for `logger: false`, for embedding (tests, `npm start`). */
  quiet?: boolean;
  /** Passed through to {@link buildApp}. */
  config?: BuildAppOptions['config'];
  /** Passed through to {@link buildApp}. */
  dashboardAssets?: BuildAppOptions['dashboardAssets'];
  /**
   * Retention of raw results and hourly rollups, days (defaults in
   * `storage/maintenance.ts`); the background jobs keep rollups current
   * and apply it at start and hourly.
   */
  retention?: { rawDays?: number; rollupDays?: number };
}

/** A running collector. */
export interface RunningCollector {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  app: FastifyInstance;
  store: Store;
  /**
   * True while the database has no active admin account: the operator
   * creates one with `skolnet-collector user add --role admin`
   * (`npm start` does it by itself).
   */
  needsFirstAdmin: boolean;
  /** People's accounts (the app's account service). */
  accounts: AccountService;
  /** The background jobs (rollups, retention). */
  maintenance: Maintenance;
  /**
   * Every school with its current score and band with the configured
   * scoring: the school service's list, the one `GET /api/v1/schools` answers.
   */
  schoolSummaries(): Promise<SchoolSummary[]>;
  /** Stops accepting connections, closes agent streams, then the store. */
  close(): Promise<void>;
}

/** The pid file of a collector serving the SQLite database at `databasePath`: beside it. */
export function pidFileFor(databasePath: string): string {
  return join(dirname(databasePath), PID_FILE);
}

/** The database URL {@link startCollector} and the CLI use: `database`, else SQLite in the data directory. */
export function resolveDatabaseUrl(database: string | undefined, dataDir = './data'): string {
  return database ?? sqliteDatabaseUrl(join(resolve(dataDir), DATABASE_FILE));
}

/** Directory of the pupil-data keys inside the data directory, when no other is configured. */
export const SUPPORT_KEY_DIR = 'support-keys';

/**
 * The config with the pupil-data key directory: as configured, else
 * `<dataDir>/support-keys` for a SQLite store in a data directory (beside
 * the database file, never inside it; `backup` copies the database alone).
 * A PostgreSQL collector names its own, or keeps pupil-support records off.
 */
function withSupportKeyDir(
  config: BuildAppOptions['config'],
  dataDir: string | undefined,
  database: string | undefined,
): NonNullable<BuildAppOptions['config']> {
  if (config?.support?.keyDir !== undefined || database !== undefined) return config ?? {};
  return {
    ...config,
    support: { ...config?.support, keyDir: join(resolve(dataDir ?? './data'), SUPPORT_KEY_DIR) },
  };
}

/**
 * Opens the database (`database`, else SQLite in `dataDir`), builds the
 * app and listens. The programmatic twin of
 * `skolnet-collector serve`.
 */
export async function startCollector(options: StartCollectorOptions = {}): Promise<RunningCollector> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  // The data directory is the collector's own: made private, and tightened
  // when an earlier version left it open to other users (it was 755).
  if (options.database === undefined) ensurePrivateDir(resolve(options.dataDir ?? './data'), true);
  const database = resolveDatabaseUrl(options.database, options.dataDir);
  const store = await createStore(database);
  let app: FastifyInstance | undefined;
  try {
    const needsFirstAdmin = (await store.accounts.countActiveAdmins()) === 0;
    app = buildApp({
      store,
      ...(options.quiet ? { logger: false } : options.logger === undefined ? {} : { logger: options.logger }),
      config: withSupportKeyDir(options.config, options.dataDir, options.database),
      ...(options.dashboardAssets === undefined ? {} : { dashboardAssets: options.dashboardAssets }),
      // The report-signing key is kept in the data directory, created on first use (docs/acceptance.md).
      acceptance: { keyDir: resolve(options.dataDir ?? './data') },
    });
    app.log.info({ database: redactDatabaseUrl(database), dialect: store.dialect }, 'store opened');
    // A SQLite collector writes its pid beside the database, so `restore`
    // can refuse to replace a file that is being served.
    const location = parseDatabaseUrl(database);
    // Removed on close and on any exit, a fatal error included.
    const pidFile =
      location.dialect === 'sqlite' && location.path !== ':memory:'
        ? await writePidFile(pidFileFor(location.path))
        : undefined;
    // Started once listening; stopped before the store closes (an onClose hook of the storage plugin).
    const jobs: { maintenance?: Maintenance } = {};
    app.addHook('preClose', async () => {
      await jobs.maintenance?.stop();
      await pidFile?.remove();
    });
    await app.listen({ host, port });
    const log = app.log;
    const config = app.config;
    // The app's store: retention's deletions reach the read models (services/data-changes.ts).
    const maintenance = startMaintenance(app.store, {
      ...(options.retention?.rawDays === undefined ? {} : { rawRetentionDays: options.retention.rawDays }),
      ...(options.retention?.rollupDays === undefined
        ? {}
        : { rollupRetentionDays: options.retention.rollupDays }),
      now: () => config.now(),
      log: { info: (o, m) => log.info(o, m), error: (o, m) => log.error(o, m) },
    });
    jobs.maintenance = maintenance;
    const running: RunningCollector = {
      url: urlOf(app.server.address() as AddressInfo),
      app,
      // Writes through it reach the read models, as the app's own do.
      store: app.store,
      maintenance,
      needsFirstAdmin,
      accounts: app.accounts,
      schoolSummaries: async () => [...(await (app as FastifyInstance).services.schools.list())],
      close: () => (app as FastifyInstance).close(),
    };
    return running;
  } catch (err) {
    // The app owns the store once built; before that, close it here.
    if (app) await app.close();
    else await store.close();
    throw err;
  }
}

function urlOf(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
