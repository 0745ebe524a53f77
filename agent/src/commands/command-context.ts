import type { ErrorCode } from '@skolnet/shared/core';
import {
  ErrorCodes,
  SkolnetError,
  USAGE_ERROR_CODES,
  describeError,
  isSkolnetError,
} from '@skolnet/shared/core';
import type { CommandRunner, ProbeDefinition } from '../probes/probe.js';
import type { CompressedClock } from '../runtime/test-clock.js';

/** Where a command writes; injected so tests capture output. */
export interface CommandIo {
  /** Results only (tables, JSON). */
  stdout(text: string): void;
  /** Progress, logs and errors. */
  stderr(text: string): void;
}

/** Everything a command takes from its surroundings. */
export interface CommandContext {
  io: CommandIo;
  /** Probes by name. */
  registry: Readonly<Record<string, ProbeDefinition>>;
  /** Builds the command runner probes use. */
  createRunner: () => CommandRunner;
  now: () => Date;
  env: NodeJS.ProcessEnv;
  /**
   * Aborts long-running commands (`run`, `assess`). When absent, the
   * command listens for SIGINT and SIGTERM itself.
   */
  stopSignal?: AbortSignal;
  /** Tests only: a clock faster than real time for `run` (it replaces `now` there). */
  compressedClock?: CompressedClock;
}

/** Exit status of a successful command. */
export const EXIT_OK = 0;
/** Exit status of a failure that is not the user's input. */
export const EXIT_FAILURE = 1;
/** Exit status of bad usage or an environment the user must fix (unreachable collector, not enrolled). */
export const EXIT_USAGE = 2;

/** Codes that mean "fix your input or environment": they exit with {@link EXIT_USAGE}. */
const USAGE_CODES = new Set<ErrorCode>(USAGE_ERROR_CODES);

/** The exit status for an error a command did not handle itself. */
export function exitCodeFor(err: unknown): number {
  return isSkolnetError(err) && USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** `error: <message> (<SKOLNET_CODE>)`, one line, for stderr. */
export function formatCliError(err: unknown): string {
  return `error: ${describeError(err)}\n`;
}

/** Throws a usage error. */
export function badArgument(message: string): never {
  throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, message);
}

/**
 * The probes named by `--only a,b` (in that order, duplicates removed), or
 * all registered probes in registry order.
 * @throws SkolnetError `SKOLNET_CLI_BAD_ARGUMENT` listing the valid names.
 */
export function selectProbes(
  registry: Readonly<Record<string, ProbeDefinition>>,
  only: string | undefined,
): string[] {
  const valid = Object.keys(registry);
  if (only === undefined) return valid;
  const names = [
    ...new Set(
      only
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    ),
  ];
  if (names.length === 0)
    badArgument(`--only needs at least one probe name; valid probes: ${validList(valid)}`);
  const unknown = names.filter((n) => !Object.hasOwn(registry, n));
  if (unknown.length > 0) {
    badArgument(
      `unknown probe${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; valid probes: ${validList(valid)}`,
    );
  }
  return names;
}

function validList(valid: readonly string[]): string {
  return valid.length > 0 ? valid.join(', ') : '(none registered)';
}

/**
 * Resolves when `signal` aborts, or on SIGINT/SIGTERM when no signal was
 * injected. Returns a function removing the signal handlers.
 */
export function waitForStop(signal: AbortSignal | undefined): {
  stopped: Promise<string>;
  dispose: () => void;
} {
  if (signal) {
    const stopped = signal.aborted
      ? Promise.resolve('aborted')
      : new Promise<string>((resolve) =>
          signal.addEventListener('abort', () => resolve('aborted'), { once: true }),
        );
    return { stopped, dispose: () => {} };
  }
  let onSignal: (name: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    onSignal = (name) => resolve(name);
  });
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stopped,
    dispose: () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  };
}
