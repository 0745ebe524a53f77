import { createServer } from 'node:net';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, type SkolnetError } from '@skolnet/shared';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createStore } from '../../collector/src/storage/kysely-store.js';
import { createTempDir } from '../../collector/src/testing/fixtures.js';
import { RunningProcess, collectorBin, runToEnd } from '../support/processes.js';
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

  it('serves from PostgreSQL named in a config file, never printing the password', async () => {
    const { dir, remove } = await createTempDir();
    const databaseUrl = await cluster.createDatabase();
    const config = join(dir, 'collector.yaml');
    await writeFile(config, `database: ${databaseUrl}\nport: 0\nlog-level: info\n`);
    const serve = new RunningProcess('collector', [collectorBin, 'serve', '--config', config]);
    try {
      const [, url] = await serve.waitFor(/listening on (http:\/\/\S+)/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      // A new database has no admin: serve says how to create one, on the same database.
      await serve.waitFor(/user add --role admin --email you@example\.lv --config /);
      // The log says where the data is, with the password masked.
      expect(serve.stdout).toContain(
        `"database":"postgres://${cluster.user}:***@127.0.0.1:${cluster.port}/${new URL(databaseUrl).pathname.slice(1)}"`,
      );

      // The user commands find the same database through the environment variable.
      const env = { SKOLNET_DATABASE_URL: databaseUrl };
      const added = await runToEnd(
        [
          collectorBin,
          'user',
          'add',
          '--role',
          'admin',
          '--email',
          'admin@skolnet.test',
          '--generate-password',
        ],
        env,
      );
      expect(added.code, added.stderr).toBe(0);
      const created = await runToEnd(
        [collectorBin, 'user', 'token', 'create', '--email', 'admin@skolnet.test', '--name', 'conformance'],
        env,
      );
      expect(created.code, created.stderr).toBe(0);
      const newToken = /^\s+(skolnet_ut_\S+)$/m.exec(created.stdout)?.[1];
      expect(newToken).toBeDefined();
      // The retired admin token is no key: the command refuses, pointing to the accounts.
      const retired = await runToEnd([collectorBin, 'admin-token', '--reset'], env);
      expect(retired.code).toBe(2);
      expect(retired.stderr).toContain('user add --role admin');
      const post = (bearer: string): Promise<Response> =>
        fetch(`${url}/api/v1/schools`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'S', municipality: 'Rīga', pupils: 1 }),
        });
      expect((await post('not-a-user-token')).status).toBe(401);
      expect((await post(newToken!)).status).toBe(201);
      for (const text of [
        serve.stdout,
        serve.stderr,
        added.stdout,
        added.stderr,
        created.stdout,
        created.stderr,
      ]) {
        expect(text).not.toContain(cluster.password);
      }
    } finally {
      await serve.stop();
      await remove();
    }
  }, 120_000); // four runs of the built CLI in a row: longer than 30 s on two busy cores

  it('stops with a clear message and exit 1 on a wrong password, never printing it', async () => {
    const wrong = new URL(cluster.url('postgres'));
    wrong.password = 'Wrong-Secret-77';
    const { code, stdout, stderr } = await runToEnd([
      collectorBin,
      'serve',
      '--port',
      '0',
      '--database',
      wrong.toString(),
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain(`SKOLNET_STORE_FAILED`);
    expect(stderr).toContain(`PostgreSQL at 127.0.0.1:${cluster.port}/postgres refused the login`);
    expect(stdout + stderr).not.toContain('Wrong-Secret-77');
  });
});
