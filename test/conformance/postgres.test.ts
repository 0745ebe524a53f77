import { createServer } from 'node:net';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type SkolnetError } from '@skolnet/shared';
import { createStore } from '../../collector/src/storage/kysely-store.js';
import { postgresMissing, startPostgres, type PostgresCluster } from '../support/postgres.js';

// PostgreSQL's own concerns: opening, refusing, reporting. What every
// backend does is in store.conformance.test.ts.
describe.skipIf(postgresMissing() !== undefined)('KyselyStore on PostgreSQL', () => {
  let cluster: PostgresCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  async function openError(databaseUrl: string): Promise<SkolnetError> {
    try {
      const store = await createStore(databaseUrl);
      await store.close();
    } catch (err) {
      return err as SkolnetError;
    }
    throw new Error('the store opened');
  }

  it('migrates to bytewise-collated text columns', async () => {
    const store = await createStore(url);
    try {
      expect(store.dialect).toBe('postgres');
    } finally {
      await store.close();
    }
    const db = new URL(url).pathname.slice(1);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{
        table_name: string;
        column_name: string;
        collation_name: string | null;
      }>(
        `select table_name, column_name, collation_name from information_schema.columns
         where table_catalog = $1 and table_schema = 'public' and data_type = 'text'
           and table_name in ('schools', 'agents', 'enrollment_codes', 'results', 'meta')`,
        [db],
      );
      expect(rows.length).toBeGreaterThan(20);
      expect(rows.filter((r) => r.collation_name !== 'C')).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('reports a wrong password with the host and database, never the password', async () => {
    const wrong = new URL(url);
    wrong.password = 'not-the-Secret-42';
    const err = await openError(wrong.toString());
    expect(err.code).toBe(ErrorCodes.STORE_FAILED);
    expect(err.message).toContain(`refused the login of user "${cluster.user}"`);
    expect(err.message).toContain(`127.0.0.1:${cluster.port}/`);
    expect(err.message).not.toContain('not-the-Secret-42');
    expect(err.retryable).toBe(false);
  });

  it('reports a database that does not exist', async () => {
    const err = await openError(cluster.url('no_such_db'));
    expect(err.code).toBe(ErrorCodes.STORE_FAILED);
    expect(err.message).toBe(
      `PostgreSQL at 127.0.0.1:${cluster.port}/no_such_db: the database does not exist`,
    );
  });

  it('reports an unreachable server as retryable, never the password', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    const err = await openError(`postgres://skolnet:Hunter2-secret@127.0.0.1:${port}/audit`);
    expect(err.code).toBe(ErrorCodes.STORE_FAILED);
    expect(err.message).toBe(`cannot reach PostgreSQL at 127.0.0.1:${port}/audit (ECONNREFUSED)`);
    expect(err.retryable).toBe(true);
  });
});
