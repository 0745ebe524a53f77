import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ErrorCodes, SkolnetError, describeError } from '@skolnet/shared';
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
 * Young generation of the worker's heap, in MB. V8's default lets it grow
 * to 16 MB per semi-space (48 MB) while systeminformation parses command
 * output, and that memory is the agent's peak; the calls keep little alive,
 * so a small young generation costs a few more scavenges and no more.
 */
const WORKER_YOUNG_GENERATION_MB = 4;

/** Options of {@link runSystemInformation}. */
export interface RunSystemInformationOptions {
  /** Time limit for all calls together, in ms. */
  timeoutMs?: number;
  /** Stops the worker and rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Absolute path of the module to load in place of `systeminformation`.
   * Tests point it at a stand-in; everyone else leaves it unset.
   */
  modulePath?: string;
}

// The worker is plain CommonJS passed with `eval: true`, so it runs the same
// under Vitest (TypeScript sources, no worker file on disk to point at) and
// from the built dist/. It loads the module by the absolute path resolved in
// the parent, because an eval'd worker has no file of its own to resolve
// package names from. Each call settles on its own so one failing call
// (no battery API, say) does not lose the others.
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const si = require(workerData.modulePath);
const describe = (e) => (e instanceof Error ? e.message : String(e)).split('\\n')[0];
Promise.all(
  workerData.calls.map(async (name) => {
    try {
      if (typeof si[name] !== 'function') throw new Error('no such function: ' + name);
      return [name, { ok: true, value: await si[name]() }];
    } catch (e) {
      return [name, { ok: false, error: describe(e) }];
    }
  }),
).then((entries) => parentPort.postMessage(Object.fromEntries(entries)));
`;

/**
 * Runs `systeminformation` functions in a worker thread and returns what
 * each gave. systeminformation uses synchronous child processes on some
 * hosts (ARCHITECTURE.md, The agent), which would freeze the event loop, and
 * with it heartbeats and transfers, for seconds; in a worker only the
 * worker waits.
 *
 * Values come back through structured clone and are `unknown`: callers
 * validate them like any other outside input.
 *
 * @throws SkolnetError `PROBE_FAILED` (retryable) when the worker fails or
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

  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { modulePath, calls: [...calls] },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });

  return new Promise<Record<C, SystemInformationOutcome>>((resolve, reject) => {
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      // A worker blocked in a synchronous child process stops only once that
      // returns; nothing here waits for it, the main thread is free already.
      void worker.terminate();
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

    worker.once('message', (message: Record<C, SystemInformationOutcome>) => finish(() => resolve(message)));
    worker.once('error', (cause) => {
      finish(() =>
        reject(
          new SkolnetError(
            ErrorCodes.PROBE_FAILED,
            `systeminformation worker failed: ${describeError(cause)}`,
            {
              cause,
              retryable: true,
            },
          ),
        ),
      );
    });
    worker.once('exit', (code) => {
      finish(() =>
        reject(
          new SkolnetError(
            ErrorCodes.PROBE_FAILED,
            `systeminformation worker exited early with code ${code}`,
            {
              retryable: true,
            },
          ),
        ),
      );
    });
  });
}
