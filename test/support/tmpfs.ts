import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingComponent } from './real-component.js';

/**
 * `undefined` when this process can mount a tmpfs (root, with the right to
 * mount here), otherwise the reason to skip; under CI it throws instead.
 */
export function tmpfsMissing(): string | undefined {
  let works = false;
  if (process.getuid?.() === 0) {
    const at = mkdtempSync(join(tmpdir(), 'skolnet-tmpfs-check-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', at], { stdio: 'ignore' });
      execFileSync('umount', [at], { stdio: 'ignore' });
      works = true;
    } catch {
      works = false;
    } finally {
      rmSync(at, { recursive: true, force: true });
    }
  }
  return missingComponent('a tmpfs mount', works, 'run as root with the right to mount (CAP_SYS_ADMIN)');
}

/** A small file system of its own, to fill to the brim. */
export interface Tmpfs {
  /** Where it is mounted. */
  path: string;
  /** Writes zeros until the file system is full (the filler file is `filler`). */
  fill(): void;
  /** Deletes the filler: the space is back. */
  free(): void;
  /** Unmounts it and removes the mount point. */
  unmount(): void;
}

/** Mounts a tmpfs of `size` (mount's syntax: `8m`) at a new directory under `parent`. */
export function mountTmpfs(parent: string, name: string, size: string): Tmpfs {
  const path = join(parent, name);
  mkdirSync(path);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', path], { stdio: 'pipe' });
  const filler = join(path, 'filler');
  return {
    path,
    fill() {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // dd ends with "No space left on device": that is the point.
      }
    },
    free() {
      rmSync(filler, { force: true });
    },
    unmount() {
      execFileSync('umount', ['-l', path], { stdio: 'ignore' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}
