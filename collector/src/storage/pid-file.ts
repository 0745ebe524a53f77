import { rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';

/** A pid file written by {@link writePidFile}. */
export interface PidFile {
  /** Where it is. */
  path: string;
  /** Removes it (once; later calls do nothing). */
  remove(): Promise<void>;
}

/**
 * Writes this process's id to `path` and makes sure the file goes when the
 * process ends in any way Node still runs code for: a clean close
 * ({@link PidFile.remove}), `process.exit()`, an uncaught exception or an
 * unhandled rejection. Only SIGKILL and a signal nobody handles leave it
 * behind; `restore` then finds its process gone and treats it as stale.
 */
export async function writePidFile(path: string): Promise<PidFile> {
  await writeFile(path, `${process.pid}\n`);
  let removed = false;
  // Synchronous: 'exit' listeners cannot wait for a promise.
  const onExit = (): void => {
    if (removed) return;
    removed = true;
    rmSync(path, { force: true });
  };
  process.once('exit', onExit);
  return {
    path,
    remove: async () => {
      process.removeListener('exit', onExit);
      if (removed) return;
      removed = true;
      await rm(path, { force: true });
    },
  };
}

/**
 * The process id in the pid file at `path` when that process is alive;
 * undefined when there is no file, it holds no id, or its process is gone
 * (a stale file).
 */
export async function livePid(path: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(path, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
