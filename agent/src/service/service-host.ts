import { execFile } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { ErrorCodes, SkolnetError, describeError } from '@skolnet/shared/core';

/** Output of one command the service installer ran. */
export interface HostCommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The operating system as `service install|uninstall|status` sees it; injected for tests. */
export interface ServiceHost {
  platform: NodeJS.Platform;
  /** True for root (uid 0); always true on Windows, where the script itself needs elevation. */
  isAdmin(): boolean;
  exists(path: string): boolean;
  writeFile(path: string, content: string, mode: number): void;
  removeFile(path: string): void;
  /** Runs a program without a shell; resolves whatever its exit status. */
  run(command: string, args: readonly string[]): Promise<HostCommandResult>;
}

/** Time limit of one installer command, in ms; `systemctl enable --now` waits for the start. */
const HOST_COMMAND_TIMEOUT_MS = 120_000;

/** The real host. */
export function createServiceHost(): ServiceHost {
  return {
    platform: process.platform,
    isAdmin: () => process.platform === 'win32' || process.getuid?.() === 0,
    exists: (path) => existsSync(path),
    writeFile: (path, content, mode) => {
      try {
        writeFileSync(path, content, { mode });
        chmodSync(path, mode);
      } catch (err) {
        throw new SkolnetError(ErrorCodes.STATE_FAILED, `cannot write ${path}: ${describeError(err)}`, {
          cause: err,
        });
      }
    },
    removeFile: (path) => rmSync(path, { force: true }),
    run: (command, args) =>
      new Promise((resolve) => {
        execFile(
          command,
          [...args],
          { timeout: HOST_COMMAND_TIMEOUT_MS, encoding: 'utf8', windowsHide: true },
          (err, stdout, stderr) => {
            const code =
              err === null ? 0 : typeof err.code === 'number' ? err.code : err.code === 'ENOENT' ? 127 : 1;
            resolve({ code, stdout, stderr: err && !stderr ? describeError(err) : stderr });
          },
        );
      }),
  };
}
