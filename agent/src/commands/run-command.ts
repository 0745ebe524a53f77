import { isSkolnetError, ErrorCodes, parseDuration } from '@skolnet/shared/core';
import { outboxOptionsFromEnv } from '../outbox/outbox-options.js';
import { runAgent } from '../runtime/agent-runtime.js';
import { createLogger } from '../runtime/logger.js';
import { DEFAULT_INITIAL_DELAY_MAX_MS } from '../runtime/scheduler.js';
import { TEST_CLOCK_ENV, testClockFromEnv } from '../runtime/test-clock.js';
import { createAgentState } from '../state/agent-state.js';
import { parseCollectorUrl } from '../transport/collector-endpoint.js';
import type { CommandContext } from './command-context.js';
import { EXIT_OK, EXIT_USAGE, badArgument, selectProbes, waitForStop } from './command-context.js';
import { loadAgentConfig } from '../config/agent-config.js';
import type { LocalLayers } from '../config/pushed-config.js';
import { checkProbeSettings, parseProbeSettings } from './probe-settings.js';

/** Options of `skolnet-agent run`. */
export interface RunOptions {
  state?: string;
  only?: string;
  /** `PROBE=DURATION` entries, e.g. `latency=5m`. */
  interval?: string[];
  /** Upper bound of the random delay before each probe's first run, e.g. `5s`. */
  initialDelay?: string;
  /** `PROBE.OPTION=VALUE` entries, e.g. `latency.count=20`. */
  set?: string[];
  /** Agent config file (YAML): snmp targets and credentials, probe options. */
  config?: string;
  /**
   * Run every probe once at start, heavy ones included, whatever the
   * timetable says (`npm start` asks for it: someone is waiting for a score).
   */
  assessNow?: boolean;
}

/**
 * Shortest interval accepted on the command line, in ms. A mistyped
 * duration (`5ms` for `5m`) would otherwise run a probe in a tight loop
 * over a school's link.
 */
const MIN_INTERVAL_MS = 1_000;

/**
 * Parses `--interval PROBE=DURATION` entries against the known probes.
 * @throws SkolnetError `SKOLNET_CLI_BAD_ARGUMENT` naming the bad entry.
 */
export function parseIntervals(entries: readonly string[], valid: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : '';
    const ms = eq > 0 ? parseDuration(entry.slice(eq + 1)) : undefined;
    if (!name || ms === undefined)
      badArgument(`--interval "${entry}": expected PROBE=DURATION, e.g. latency=5m`);
    if (!valid.includes(name))
      badArgument(`--interval "${entry}": unknown probe "${name}"; valid probes: ${valid.join(', ')}`);
    if (ms < MIN_INTERVAL_MS)
      badArgument(`--interval "${entry}": must be at least ${MIN_INTERVAL_MS / 1000} s`);
    out.set(name, ms);
  }
  return out;
}

/**
 * `skolnet-agent run`: reads the credentials and the local configuration
 * layers, then hands the enrolled agent's main loop to the runtime
 * ({@link runAgent}) until SIGINT/SIGTERM (or the injected stop signal).
 */
export async function runRunCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  const testClock = ctx.compressedClock ? () => ctx.compressedClock!.now() : testClockFromEnv(ctx.env);
  const now = testClock ?? ctx.now;
  const log = createLogger((text) => ctx.io.stderr(text), now);
  if (ctx.compressedClock)
    log.warn(
      `the clock runs ${ctx.compressedClock.rate} times faster (for tests only): it reads ${now().toISOString()}`,
    );
  else if (testClock)
    log.warn(`the clock is set by ${TEST_CLOCK_ENV} (for tests only): it reads ${now().toISOString()}`);
  const state = createAgentState({ ...(options.state ? { flag: options.state } : {}), env: ctx.env });
  let credentials;
  try {
    credentials = state.readCredentials();
  } catch (err) {
    if (isSkolnetError(err, ErrorCodes.ENROLL_MISSING)) {
      ctx.io.stderr(
        `not enrolled: run skolnet-agent enroll --collector URL --code CODE${options.state ? ` --state ${options.state}` : ''} first (no credentials in ${state.dir}) (${err.code})\n`,
      );
      return EXIT_USAGE;
    }
    throw err;
  }
  const names = selectProbes(ctx.registry, options.only);
  const cliSettings = parseProbeSettings(options.set ?? [], ctx.registry);
  checkProbeSettings(names, cliSettings, ctx.registry);
  const file = options.config === undefined ? undefined : loadAgentConfig(options.config, ctx.registry);
  for (const w of file?.warnings ?? []) log.warn(w);
  const cliIntervals = parseIntervals(options.interval ?? [], Object.keys(ctx.registry));
  const initialDelayMs =
    options.initialDelay === undefined ? DEFAULT_INITIAL_DELAY_MAX_MS : parseDuration(options.initialDelay);
  if (initialDelayMs === undefined)
    badArgument(`--initial-delay "${options.initialDelay}": expected a duration like 5s`);
  const collectorUrl = parseCollectorUrl(credentials.collector_url);
  const layers: LocalLayers = {
    registry: ctx.registry,
    fileProbes: file?.probes ?? {},
    fileSchedule: file?.schedule ?? {},
    cliSettings,
    cliIntervals,
  };

  return (await runAgent({
    registry: ctx.registry,
    names,
    layers,
    state,
    credentials,
    collectorUrl,
    runner: ctx.createRunner(),
    now,
    log,
    outboxOptions: outboxOptionsFromEnv(ctx.env),
    initialDelayMs,
    assessNow: options.assessNow === true,
    stateFlag: options.state,
    waitForStop: () => waitForStop(ctx.stopSignal),
    ...(ctx.compressedClock ? { compressedClock: ctx.compressedClock } : {}),
  })) === 'revoked'
    ? // Revoked: a service manager should not restart it in a loop.
      EXIT_USAGE
    : EXIT_OK;
}
