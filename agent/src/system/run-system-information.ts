import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { ErrorCodes, SkolnetError, describeError } from '@skolnet/shared/core';
import { abortReason } from './abort-reason.js';

/**
 * The `systeminformation` functions a probe may call. Listed so a typo is
 * a compile error and the worker never calls anything it was not meant to.
 */
export const SYSTEM_INFORMATION_CALLS = [
  'osInfo',
  'system',
  'cpu',
  'mem',
  'networkInterfaces',
  'battery',
  'time',
  'uuid',
] as const;

/** Name of one allowed `systeminformation` function. */
export type SystemInformationCall = (typeof SYSTEM_INFORMATION_CALLS)[number];

/** What one call returned (`value`, unvalidated) or why it failed. */
export type SystemInformationOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Default time limit for a whole batch of calls, in ms. On Windows
 * systeminformation shells out to PowerShell once per call, which takes a
 * few seconds on school hardware; 20 s leaves room without letting a hung
 * call hold the probe for long.
 */
export const DEFAULT_SYSTEM_INFORMATION_TIMEOUT_MS = 20_000;

/**
 * Largest semi-space of the child's young generation, in MB. V8's default
 * lets it grow to 16 MB per semi-space while systeminformation parses
 * command output, and that memory is the agent's peak; the calls keep
 * little alive, so a small young generation costs a few more scavenges and
 * no more.
 */
const CHILD_SEMI_SPACE_MB = 1;

/** How much of the child's stderr is kept to explain an early exit, in characters. */
const STDERR_TAIL_CHARS = 2_000;

/** Options of {@link runSystemInformation}. */
export interface RunSystemInformationOptions {
  /** Time limit for all calls together, in ms. */
  timeoutMs?: number;
  /** Stops the child and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Absolute path of the module to load in place of `systeminformation`.
   * Tests point it at a stand-in; everyone else leaves it unset.
   */
  modulePath?: string;
}

// The child runs plain CommonJS passed with `-e`, so it runs the same under
// Vitest (TypeScript sources, no script file on disk to point at) and from
// the built dist/. It loads the module by the absolute path resolved in
// the parent, because an eval'd script has no file of its own to resolve
// package names from. Each call settles on its own so one failing call (no
// battery API, say) does not lose the others. The answer goes back over the
// IPC channel with structured clone (`serialization: 'advanced'`), as from
// a worker; then the child exits whatever systeminformation left pending.
const CHILD_SOURCE = `
'use strict';
const { modulePath, calls } = JSON.parse(process.argv[1]);
const si = require(modulePath);
const describe = (e) => (e instanceof Error ? e.message : String(e)).split('\\n')[0];
Promise.all(
  calls.map(async (name) => {
    try {
      if (typeof si[name] !== 'function') throw new Error('no such function: ' + name);
      return [name, { ok: true, value: await si[name]() }];
    } catch (e) {
      return [name, { ok: false, error: describe(e) }];
    }
  }),
).then((entries) => process.send(Object.fromEntries(entries), () => process.exit(0)));
`;

/**
 * Runs `systeminformation` functions in a short-lived child process and
 * returns what each gave. systeminformation uses synchronous child
 * processes on some hosts (docs/architecture.md, The agent), which would freeze
 * the event loop, and with it heartbeats and transfers, for seconds; in a
 * child only the child waits.
 *
 * A child process rather than a worker thread: a worker lives in the
 * agent's own address space, and what it touches stays in the agent's
 * resident memory after it ends (its thread's malloc arena, the ICU time
 * zone data systeminformation's `time()` reads, the code pages of a second
 * Node.js environment), about 8 MB for a call made once a day. A child's
 * memory goes back to the system when it exits, a few seconds later.
 *
 * Values come back through structured clone and are `unknown`: callers
 * validate them like any other outside input.
 *
 * @throws SkolnetError `PROBE_FAILED` (retryable) when the child fails or
 *   outlives `timeoutMs`; rejects with `signal.reason` when aborted.
 */
export async function runSystemInformation<C extends SystemInformationCall>(
  calls: readonly C[],
  options: RunSystemInformationOptions = {},
): Promise<Record<C, SystemInformationOutcome>> {
  const { signal } = options;
  signal?.throwIfAborted();
  const timeoutMs = options.timeoutMs ?? DEFAULT_SYSTEM_INFORMATION_TIMEOUT_MS;
  const modulePath = options.modulePath ?? createRequire(import.meta.url).resolve('systeminformation');

  const child = spawn(
    process.execPath,
    [
      `--max-semi-space-size=${CHILD_SEMI_SPACE_MB}`,
      '-e',
      CHILD_SOURCE,
      JSON.stringify({ modulePath, calls }),
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced', windowsHide: true },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS);
  });
  /** The error line of what the child wrote before dying (Node prints `Error: …` after the source excerpt), else its last line. */
  const lastWords = (): string => {
    const lines = stderr.split('\n').map((l) => l.trim());
    const line = lines.find((l) => /^[\w.]*Error\b.*:/.test(l)) ?? lines.filter((l) => l !== '').at(-1);
    return line ? `: ${line.slice(0, 300)}` : '';
  };

  return new Promise<Record<C, SystemInformationOutcome>>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // A child that answered exits by itself; one that did not (blocked in
      // a synchronous command, hung) is killed.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      settle();
    };
    const onAbort = (): void => {
      if (signal) finish(() => reject(abortReason(signal)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      finish(() =>
        reject(
          new SkolnetError(
            ErrorCodes.PROBE_FAILED,
            `systeminformation did not answer within ${timeoutMs} ms`,
            {
              retryable: true,
            },
          ),
        ),
      );
    }, timeoutMs);

    child.once('message', (message) => {
      finish(() => resolve(message as Record<C, SystemInformationOutcome>));
    });
    child.once('error', (cause) => {
      finish(() =>
        reject(
          new SkolnetError(
            ErrorCodes.PROBE_FAILED,
            `systeminformation child process failed: ${describeError(cause)}`,
            {
              cause,
              retryable: true,
            },
          ),
        ),
      );
    });
    // 'close', not 'exit': it comes after the IPC channel is drained, so an
    // answer sent just before exiting is never taken for an early exit.
    child.once('close', (code, sig) => {
      finish(() =>
        reject(
          new SkolnetError(
            ErrorCodes.PROBE_FAILED,
            `systeminformation child process exited early with ${sig ?? `code ${code}`}${lastWords()}`,
            {
              retryable: true,
            },
          ),
        ),
      );
    });
  });
}
