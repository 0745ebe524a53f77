import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { missingComponent } from './real-component.js';

/** Where Debian's `postgresql-<version>` packages put the server binaries. */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';

/** Unprivileged account of Debian's packages; PostgreSQL refuses to run as root. */
const POSTGRES_USER = 'postgres';

/** Superuser of the throwaway cluster. */
const SUPERUSER = 'skolnet';

/** How long the server may take to accept connections after start, in ms. */
const READY_TIMEOUT_MS = 30_000;

/** Attempts at starting the server on a fresh free port (another process may take the one we picked). */
const START_ATTEMPTS = 3;

/**
 * The bin directory of the newest PostgreSQL installed from Debian's
 * packages, or undefined.
 */
export function postgresBinDir(): string | undefined {
  if (!existsSync(DEBIAN_POSTGRES_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_POSTGRES_ROOT)
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .filter((v) => existsSync(join(DEBIAN_POSTGRES_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(DEBIAN_POSTGRES_ROOT, versions[0], 'bin');
}

/**
 * `undefined` when a throwaway PostgreSQL can be started here, otherwise
 * the reason to skip (on a laptop) — under CI it throws instead.
 */
export function postgresMissing(): string | undefined {
  const bin = postgresBinDir();
  const runnable = bin !== undefined && (!isRoot() || userExists(POSTGRES_USER));
  return missingComponent(
    'PostgreSQL',
    runnable,
    `Debian package postgresql (server binaries under ${DEBIAN_POSTGRES_ROOT}/<version>/bin)`,
  );
}

/** A running throwaway PostgreSQL cluster on loopback. */
export interface PostgresCluster {
  host: string;
  port: number;
  /** Superuser name and password, for building URLs in tests. */
  user: string;
  password: string;
  /** A connection URL of database `name` as the superuser. */
  url(database: string): string;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops a database made by {@link createDatabase}, closing its connections first. */
  dropDatabase(url: string): Promise<void>;
  /** The server's log so far (stderr), for failure messages. */
  log(): string;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Initialises a cluster in a temporary directory, starts it on a free
 * loopback port and waits until it accepts connections. Password
 * authentication (SCRAM) is required over TCP, so tests can exercise a
 * wrong password. The default collation is ICU `en-US`, so a query that
 * relies on the database's collation orders text differently from SQLite
 * and the conformance suite notices.
 */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error('PostgreSQL server binaries not found');
  const dir = await mkdtemp(join(tmpdir(), 'skolnet-pg-'));
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  let server: ChildProcess | undefined;
  const killOnExit = (): void => {
    server?.kill('SIGKILL');
  };
  try {
    const owner = isRoot() ? userIds(POSTGRES_USER) : undefined;
    if (owner) await chown(dir, owner.uid, owner.gid);
    const pwfile = join(dir, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (owner) await chown(pwfile, owner.uid, owner.gid);
    const data = join(dir, 'data');
    runAsOwner(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        SUPERUSER,
        `--pwfile=${pwfile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        // C.UTF-8 ships with every Debian libc; the collation comes from ICU.
        '--locale=C.UTF-8',
        '--locale-provider=icu',
        '--icu-locale=en-US',
        // A test cluster need not survive a power cut.
        '--no-sync',
      ],
      dir,
    );

    let lastLog = '';
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
      const port = await freeLoopbackPort();
      const started = startServer(bin, data, dir, port);
      server = started.child;
      process.once('exit', killOnExit);
      const ready = await waitUntilReady(port, password, started);
      if (ready) {
        const child = started.child;
        return clusterHandle({ dir, port, password, child, log: started.log, killOnExit });
      }
      lastLog = started.log();
      await stopChild(started.child);
      process.removeListener('exit', killOnExit);
      server = undefined;
    }
    throw new Error(`PostgreSQL did not start:\n${lastLog}`);
  } catch (err) {
    if (server) await stopChild(server);
    process.removeListener('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function clusterHandle(opts: {
  dir: string;
  port: number;
  password: string;
  child: ChildProcess;
  log: () => string;
  killOnExit: () => void;
}): PostgresCluster {
  const host = '127.0.0.1';
  const url = (database: string): string =>
    `postgres://${SUPERUSER}:${encodeURIComponent(opts.password)}@${host}:${opts.port}/${database}`;
  let counter = 0;
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url('postgres') });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    host,
    port: opts.port,
    user: SUPERUSER,
    password: opts.password,
    url,
    log: opts.log,
    async createDatabase() {
      counter += 1;
      const name = `skolnet_${process.pid}_${counter}`;
      await admin((c) => c.query(`create database ${name}`));
      return url(name);
    },
    async dropDatabase(databaseUrl: string) {
      const name = new URL(databaseUrl).pathname.slice(1);
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a test database: ${name}`);
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
    async stop() {
      await stopChild(opts.child);
      process.removeListener('exit', opts.killOnExit);
      await rm(opts.dir, { recursive: true, force: true });
    },
  };
}

function startServer(
  bin: string,
  data: string,
  dir: string,
  port: number,
): { child: ChildProcess; log: () => string } {
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
    // Throwaway data: durability only costs time here.
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'shared_buffers=16MB',
    '-c',
    'max_connections=60',
    // Containers often cap /dev/shm; plain files work everywhere.
    '-c',
    'dynamic_shared_memory_type=mmap',
  ];
  const child = spawnAsOwner(join(bin, 'postgres'), args, dir);
  let log = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
  });
  child.stdout?.resume();
  return { child, log: () => log };
}

async function waitUntilReady(
  port: number,
  password: string,
  started: { child: ChildProcess },
): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) return false;
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      password,
      database: 'postgres',
      connectionTimeoutMillis: 2_000,
    });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      return true;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  // SIGINT is PostgreSQL's "fast" shutdown: disconnect clients, exit cleanly.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

function userExists(name: string): boolean {
  return userIds(name) !== undefined;
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  const out = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const outG = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (out.status !== 0 || outG.status !== 0) return undefined;
  return { uid: Number(out.stdout.trim()), gid: Number(outG.stdout.trim()) };
}

/** As root, the command runs as the postgres user; setpriv execs, so the pid is the program's own. */
function ownerCommand(program: string, args: readonly string[]): [string, string[]] {
  if (!isRoot()) return [program, [...args]];
  return [
    'setpriv',
    [`--reuid=${POSTGRES_USER}`, `--regid=${POSTGRES_USER}`, '--init-groups', '--', program, ...args],
  ];
}

function runAsOwner(program: string, args: readonly string[], cwd: string): void {
  const [cmd, argv] = ownerCommand(program, args);
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', env: ownerEnv() });
  if (r.status !== 0) {
    throw new Error(`${program} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  }
}

function spawnAsOwner(program: string, args: readonly string[], cwd: string): ChildProcess {
  const [cmd, argv] = ownerCommand(program, args);
  return spawn(cmd, argv, { cwd, env: ownerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
}

function ownerEnv(): NodeJS.ProcessEnv {
  // A locale the machine may lack (LANG from a developer's shell) would
  // make initdb fail; C.UTF-8 is always there.
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
}

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}
