import { spawn } from 'node:child_process';
import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import type { CommandRunner } from '../probes/probe.js';
import { abortReason } from './abort-reason.js';

/**
 * Default time limit of one command, in ms. The commands probes run (`ip
 * route`, `ping -c 10`) finish in a few seconds; 30 s only stops a hung one
 * from holding a probe forever. Callers pass their own limit when they know
 * better.
 */
export const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;

/**
 * Most output kept per stream, in bytes (1 MiB). Probes parse short reports;
 * a command that writes more than this is misbehaving, and keeping it all
 * would only grow the agent's memory.
 */
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Options of {@link createCommandRunner}. */
export interface CommandRunnerOptions {
  /**
   * Environment of every command. Defaults to the agent's own with
   * `LC_ALL=C`, so that output is in the untranslated form parsers expect.
   */
  env?: NodeJS.ProcessEnv;
  /** Most bytes kept of stdout and of stderr each; more fails the command. */
  maxOutputBytes?: number;
  /** Time limit when the caller gives none, in ms. */
  defaultTimeoutMs?: number;
}

/**
 * Creates the real {@link CommandRunner}: spawns the program directly (no
 * shell, so arguments are never interpreted), with a time limit and an
 * abort signal, and resolves with its output and exit code whatever the
 * code is (a non-zero exit is data for the caller to judge).
 *
 * Rejects with a `SkolnetError`:
 * - `PROBE_UNAVAILABLE` (not retryable) when the program cannot be started
 *   (not installed, not executable);
 * - `PROBE_FAILED` (retryable) when it outlives its time limit or writes
 *   more than the output limit; it is killed first;
 * - or with `signal.reason` when the signal aborts; the process is killed.
 */
export function createCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  const env = options.env ?? { ...process.env, LC_ALL: 'C' };
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;

  return {
    run(command, args, runOptions = {}) {
      const { signal } = runOptions;
      const timeoutMs = runOptions.timeoutMs ?? defaultTimeoutMs;
      const label = [command, ...args].join(' ');

      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        const child = spawn(command, [...args], {
          env,
          shell: false,
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });

        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let outBytes = 0;
        let errBytes = 0;
        // The first reason to stop wins; it decides how the promise settles.
        let failure: { error: Error } | undefined;

        const stop = (error: Error): void => {
          if (failure) return;
          failure = { error };
          child.kill('SIGKILL');
        };
        const onAbort = (): void => {
          if (signal) stop(abortReason(signal));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const timer = setTimeout(() => {
          stop(
            new SkolnetError(ErrorCodes.PROBE_FAILED, `command timed out after ${timeoutMs} ms: ${label}`, {
              retryable: true,
            }),
          );
        }, timeoutMs);

        const collect = (chunks: Buffer[], chunk: Buffer, total: number): number => {
          const next = total + chunk.length;
          if (next > maxOutputBytes) {
            stop(
              new SkolnetError(
                ErrorCodes.PROBE_FAILED,
                `command wrote more than ${maxOutputBytes} bytes: ${label}`,
                { retryable: true },
              ),
            );
          } else {
            chunks.push(chunk);
          }
          return next;
        };
        child.stdout.on('data', (chunk: Buffer) => {
          outBytes = collect(out, chunk, outBytes);
        });
        child.stderr.on('data', (chunk: Buffer) => {
          errBytes = collect(err, chunk, errBytes);
        });

        const cleanup = (): void => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        // 'error' without a later 'close' happens when the spawn itself fails.
        child.once('error', (cause: NodeJS.ErrnoException) => {
          cleanup();
          if (failure) {
            reject(failure.error);
            return;
          }
          reject(
            new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, `cannot run ${command}: ${cause.message}`, {
              cause,
              retryable: false,
            }),
          );
        });
        child.once('close', (exitCode) => {
          cleanup();
          if (failure) {
            reject(failure.error);
            return;
          }
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
            exitCode,
          });
        });
      });
    },
  };
}
