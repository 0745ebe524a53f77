import type { Fields, Tags } from '@skolnet/shared/core';
import type { OptionSpec } from './options.js';

/**
 * Where a probe puts what it measured. A probe never knows whether its
 * results go to a table on screen, the outbox or JSON on stdout.
 */
export interface Accumulator {
  /** Records one measurement; `at` defaults to now. */
  add(measurement: string, fields: Fields, tags?: Tags, at?: Date): void;
  /** Records that part of the probe failed; the rest of its results still count. */
  error(err: Error): void;
}

/** A measurement plug-in. Register it in `registry.ts` under its folder name. */
export interface Probe {
  /**
   * Measures once. A failed target (a dead gateway, a timeout) is a result
   * with a `result` tag, not an exception; throw only when the whole probe
   * cannot run, with a `SkolnetError` whose `retryable` says whether trying
   * later can help. Stop promptly when `signal` aborts.
   */
  gather(acc: Accumulator, signal: AbortSignal): Promise<void>;
}

/** Runs an external command; injected so tests can replay recorded output. */
export interface CommandRunner {
  run(
    command: string,
    args: readonly string[],
    options?: { timeoutMs?: number; signal?: AbortSignal },
  ): Promise<{ stdout: string; stderr: string; exitCode: number | null }>;
}

/** What every probe may use from the outside world. */
export interface ProbeContext {
  /** Base URL of the collector (`http://host:port`), when one is configured. */
  collectorUrl?: URL;
  /** Runs external commands. */
  runner: CommandRunner;
  /** Current time; injected for tests. */
  now: () => Date;
  /** Reports progress of long work for people watching (`assess` table mode). */
  progress?: (message: string) => void;
  /**
   * How to name this host in results: an `issued_laptop` maps its hostname
   * (which may name a pupil) to a pseudonym. Absent: hostnames as they are.
   */
  hostLabel?: (hostname: string) => string;
}

/** A probe's registry entry: how to build it and what it needs. */
export interface ProbeDefinition {
  /** One line for `--help` and docs. */
  description: string;
  /** True when the probe measures against the collector and needs its URL. */
  needsCollector: boolean;
  /** Default interval between runs in `skolnet-agent run`, in seconds. */
  defaultIntervalS: number;
  /**
   * The probe's options, each with its type, default and description
   * (JSON-Schema-shaped, see `options.ts`). Absent when it has none.
   */
  options?: Readonly<Record<string, OptionSpec>>;
  /**
   * Builds the probe. `options` are the raw values from the config (merged
   * over the defaults and validated here); omitted means all defaults.
   * Throws `SkolnetError` `CONFIG_INVALID` naming a bad key.
   */
  create(ctx: ProbeContext, options?: unknown): Probe;
}
