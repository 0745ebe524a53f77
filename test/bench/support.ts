import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createSqliteStore } from '@skolnet/collector';
import { openSqlite, type Result, type SqliteDatabase } from '@skolnet/shared';
import { RunningProcess } from '../support/processes.js';

/** Prints a titled table with aligned columns; figures are already formatted strings. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const out = [
    ``,
    `== ${title}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ];
  console.log(out.join('\n'));
}

/** Formats a number with thousands separators and fixed decimals. */
export function fmt(value: number | undefined, decimals = 0): string {
  // No samples (a percentile of an empty list) prints as a dash, not NaN.
  if (value === undefined) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** Resident memory of a process from `/proc/<pid>/status`, in KiB: now (VmRSS) and its peak (VmHWM). */
export function processMemory(pid: number): { rssKib: number; hwmKib: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number =>
    Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? NaN);
  return { rssKib: kib('VmRSS'), hwmKib: kib('VmHWM') };
}

/** The soft limit on open files of a process, from `/proc/<pid>/limits`. */
export function openFileLimit(pid: number): number {
  const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
  return Number(limits.match(/^Max open files\s+(\d+)/m)?.[1] ?? NaN);
}

/**
 * Open files wanted by the processes that hold many connections: one per
 * socket, with room to spare. Raising a limit needs root; where even root
 * may not go beyond the hard limit (a container), the hard limit is used
 * and {@link openFileLimit} tells what the process got.
 */
export const WANTED_OPEN_FILES = 65_536;

/**
 * Starts `node args…` through `sh` with the open-file limit raised to
 * {@link WANTED_OPEN_FILES} (or the hard limit, if that is lower). `exec`
 * keeps the pid the node process's own, so its `/proc` entry is readable.
 */
export function spawnWithFileLimit(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): RunningProcess {
  const child = spawn(
    'sh',
    [
      '-c',
      `ulimit -n ${WANTED_OPEN_FILES} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`,
      'sh',
      process.execPath,
      ...args,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new RunningProcess(name, child);
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on Linux for every architecture that matters here). */
export const USER_HZ = 100;

/**
 * Fields of `/proc/<pid>/stat` (proc(5)) after the parenthesised command
 * name, so field 3 (state) is index 0. The name may hold spaces; the
 * fields after it are plain.
 */
export function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * CPU time a process has used so far, user plus system, in ms (fields 14
 * and 15 of `/proc/<pid>/stat`, proc(5)); every thread counts.
 */
export function processCpuMs(pid: number): number {
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/**
 * CPU time the children this process has waited for used, user plus
 * system, in ms (fields 16 and 17 of `/proc/self/stat`): a child's time is
 * added once it has exited and been reaped.
 */
export function reapedChildrenCpuMs(): number {
  const fields = statFields('self');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ;
}

/** CPU time the whole machine spent busy (every state but idle and iowait), summed over its cores, in ms (`/proc/stat`). */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is inside user).
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
  return (busy * 1000) / USER_HZ;
}

/**
 * The reference of the ingest benches: a SQLite file with the collector's
 * schema (migrated by the store, one school in it) and a transaction that
 * inserts rows into `results` with better-sqlite3 directly, as fast as
 * SQLite itself goes.
 */
export async function rawSqliteReference(
  path: string,
): Promise<{ db: SqliteDatabase; schoolId: string; insertBatch: (rows: readonly Result[]) => void }> {
  const store = await createSqliteStore(path);
  const school = await store.createSchool({ name: 'Bench school', municipality: 'Rīga', pupils: 500 });
  await store.close();
  const db = openSqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const insert = db.prepare(
    `INSERT INTO results (id, agent_id, school_id, measurement, fields, tags, at, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const insertBatch = db.transaction((rows: readonly Result[]) => {
    const now = new Date().toISOString();
    for (const r of rows) {
      insert.run(
        r.id,
        r.agent_id,
        school.id,
        r.measurement,
        JSON.stringify(r.fields),
        JSON.stringify(r.tags),
        r.at,
        now,
      );
    }
  });
  return { db, schoolId: school.id, insertBatch };
}

/** A database made for one bench run; {@link ThrowawayDatabase.drop} removes it. */
export interface ThrowawayDatabase {
  /** `serverUrl` with its database name replaced by the new database's. */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database with a fresh name on the PostgreSQL server
 * that `serverUrl` names (connecting to the database in it, as its user,
 * who needs the CREATEDB privilege), so every run starts from the same
 * empty state instead of what earlier runs left behind.
 */
export async function createThrowawayDatabase(serverUrl: string): Promise<ThrowawayDatabase> {
  const name = `skolnet_bench_${process.pid}_${Date.now()}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  try {
    await admin(`CREATE DATABASE ${name}`);
  } catch (err) {
    throw new Error(
      `cannot create a throwaway database on the server of SKOLNET_BENCH_POSTGRES_URL ` +
        `(its user needs CREATEDB: ALTER ROLE … CREATEDB): ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // FORCE (PostgreSQL 13+) closes connections a stopped collector left behind.
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
