import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest';
import { openSqlite } from '@skolnet/shared';
import {
  createStore,
  type KyselyStore,
  type StoreOptions,
} from '../../collector/src/storage/kysely-store.js';
import { postgresMissing, startPostgres, type PostgresCluster } from '../support/postgres.js';

/** The backends every conformance suite runs against. */
export type StoreDialect = KyselyStore['dialect'];

/** What a conformance suite knows about the backend of the running test. */
export interface StoreBackend {
  readonly dialect: StoreDialect;
  /** URL of this test's fresh database (`sqlite:…` or `postgres://…`). */
  url(): string;
  /**
   * Opens another store on this test's database, as a second collector
   * process or a restart would. Closed after the test unless closed before.
   */
  open(options?: StoreOptions): Promise<KyselyStore>;
  /** Runs raw SQL on this test's database, to look past the store (e.g. at what is stored). */
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
}

/** Returns the store of the running test: migrated, empty, on its own database. */
export type GetStore = () => KyselyStore;

let cluster: PostgresCluster | undefined;
let clusterUsers = 0;
let postgresSkip: { reason: string | undefined } | undefined;

async function acquireCluster(): Promise<PostgresCluster> {
  clusterUsers += 1;
  cluster ??= await startPostgres();
  return cluster;
}

async function releaseCluster(): Promise<void> {
  clusterUsers -= 1;
  if (clusterUsers > 0 || cluster === undefined) return;
  const stopping = cluster;
  cluster = undefined;
  await stopping.stop();
}

/**
 * Declares the suite `name` once per storage backend: SQLite always,
 * PostgreSQL when its server binaries are installed (skipped with the
 * reason on a laptop without them, failing under CI). Every test gets a
 * fresh, migrated database; the PostgreSQL cluster is started once per
 * file and removed afterwards.
 *
 * ```ts
 * describeStores('schools', (getStore, backend) => {
 *   it('lists schools', async () => { expect(await getStore().listSchools()).toEqual([]); });
 * });
 * ```
 */
export function describeStores(
  name: string,
  body: (getStore: GetStore, backend: StoreBackend) => void,
): void {
  describe(`${name} [sqlite]`, () => {
    let dir: string | undefined;
    const harness = new Harness('sqlite', async () => {
      dir = await mkdtemp(join(tmpdir(), 'skolnet-conformance-'));
      return `sqlite:${join(dir, 'collector.db')}`;
    });
    beforeEach(() => harness.setUp());
    afterEach(async () => {
      await harness.tearDown();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
      dir = undefined;
    });
    body(harness.getStore, harness.backend);
  });

  postgresSkip ??= { reason: postgresMissing() };
  describe.skipIf(postgresSkip.reason !== undefined)(`${name} [postgres]`, () => {
    let pgCluster: PostgresCluster | undefined;
    let databaseUrl: string | undefined;
    const harness = new Harness('postgres', async () => {
      databaseUrl = await pgCluster!.createDatabase();
      return databaseUrl;
    });
    beforeAll(async () => {
      pgCluster = await acquireCluster();
    });
    afterAll(async () => {
      pgCluster = undefined;
      await releaseCluster();
    });
    beforeEach(() => harness.setUp());
    afterEach(async () => {
      await harness.tearDown();
      if (databaseUrl !== undefined) await pgCluster?.dropDatabase(databaseUrl);
      databaseUrl = undefined;
    });
    body(harness.getStore, harness.backend);
  });
}

class Harness {
  #url: string | undefined;
  #store: KyselyStore | undefined;
  #opened: KyselyStore[] = [];
  readonly backend: StoreBackend;

  constructor(
    readonly dialect: StoreDialect,
    private readonly newDatabase: () => Promise<string>,
  ) {
    const url = (): string => {
      if (this.#url === undefined) throw new Error('no database outside a test');
      return this.#url;
    };
    this.backend = {
      dialect,
      url,
      open: async (options) => {
        const store = await createStore(url(), options);
        this.#opened.push(store);
        return store;
      },
      query: <T>(text: string) => rawQuery<T>(dialect, url(), text),
    };
  }

  readonly getStore: GetStore = () => {
    if (this.#store === undefined) throw new Error('getStore() is only available inside a test');
    return this.#store;
  };

  async setUp(): Promise<void> {
    this.#url = await this.newDatabase();
    this.#store = await this.backend.open();
  }

  async tearDown(): Promise<void> {
    // A test may have closed a store itself; closing again is harmless.
    for (const store of this.#opened.splice(0)) await store.close().catch(() => undefined);
    this.#store = undefined;
    this.#url = undefined;
  }
}

async function rawQuery<T>(dialect: StoreDialect, url: string, text: string): Promise<T[]> {
  if (dialect === 'sqlite') {
    const db = openSqlite(url.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(text).all() as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}
