import type { ConfigPush, Result } from '@skolnet/shared';
import { describeError, isSkolnetError, ErrorCodes, parseDuration } from '@skolnet/shared';
import { SqliteOutbox } from '../outbox/sqlite-outbox.js';
import type { ProbeContext } from '../probes/probe.js';
import { AGENT_VERSION } from '../runtime/agent-version.js';
import type { Logger } from '../runtime/logger.js';
import { createLogger } from '../runtime/logger.js';
import { toResult } from '../runtime/measurement-accumulator.js';
import type { ProbeRun } from '../runtime/probe-runner.js';
import {
  DEFAULT_INITIAL_DELAY_MAX_MS,
  createScheduler,
  type ScheduledProbe,
  type Scheduler,
} from '../runtime/scheduler.js';
import { cachedHardwareFingerprint, hostLabeller } from '../state/agent-identity.js';
import { createAgentState } from '../state/agent-state.js';
import { parseCollectorUrl } from '../transport/collector-endpoint.js';
import { createStreamClient, type StreamEvent } from '../transport/stream-client.js';
import type { CommandContext } from './command-context.js';
import { EXIT_OK, EXIT_USAGE, badArgument, selectProbes, waitForStop } from './command-context.js';
import { settingsWithConfig } from '../config/agent-config.js';
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
 * The enrolled agent's main loop: runs the probes on their schedule,
 * queues results in the outbox and streams them to the collector until
 * SIGINT/SIGTERM (or the injected stop signal), then shuts down cleanly.
 */
export async function runRunCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  const log = createLogger((text) => ctx.io.stderr(text), ctx.now);
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
  const settings = settingsWithConfig(options.config, names, cliSettings, ctx.registry, (w) => log.warn(w));
  const cliIntervals = parseIntervals(options.interval ?? [], Object.keys(ctx.registry));
  const initialDelayMs =
    options.initialDelay === undefined ? DEFAULT_INITIAL_DELAY_MAX_MS : parseDuration(options.initialDelay);
  if (initialDelayMs === undefined)
    badArgument(`--initial-delay "${options.initialDelay}": expected a duration like 5s`);
  const collectorUrl = parseCollectorUrl(credentials.collector_url);

  let stored: ConfigPush | undefined;
  try {
    stored = state.readConfig();
  } catch (err) {
    log.warn(`ignoring the stored configuration: ${describeError(err)}`);
  }

  const runner = ctx.createRunner();
  const hostLabel = hostLabeller(credentials);
  const probeCtx: ProbeContext = { collectorUrl, runner, now: ctx.now, ...(hostLabel ? { hostLabel } : {}) };
  const scheduled: ScheduledProbe[] = [];
  for (const name of names) {
    const def = ctx.registry[name];
    if (!def) continue;
    try {
      scheduled.push({
        name,
        probe: def.create(probeCtx, settings[name]),
        intervalMs: cliIntervals.get(name) ?? def.defaultIntervalS * 1000,
      });
    } catch (err) {
      log.error(`probe ${name} cannot start: ${describeError(err)}`);
    }
  }

  const outbox = new SqliteOutbox(state.outboxFile);
  const owner = { agent_id: credentials.agent_id, school_id: credentials.school_id };
  const onRun = (run: ProbeRun): void => {
    const results: Result[] = [];
    for (const m of run.measurements) {
      const r = toResult(m, owner);
      if (r.ok) results.push(r.result);
      else log.error(describeError(r.error));
    }
    for (const err of run.errors) log.warn(`probe ${run.probe}: ${describeError(err)}`);
    const secs = (run.durationMs / 1000).toFixed(1);
    try {
      const { dropped } = outbox.append(results);
      if (dropped > 0) log.warn(`outbox full: dropped the ${dropped} oldest results`);
    } catch (err) {
      log.error(`probe ${run.probe}: ${results.length} results lost: ${describeError(err)}`);
      return;
    }
    if (run.failure && isSkolnetError(run.failure, ErrorCodes.PROBE_UNAVAILABLE) && !run.failure.retryable) {
      // The probe cannot run on this host as configured (no name to resolve,
      // no Wi-Fi tool): trying again every interval would only repeat the
      // same error in the log. It stays off until the agent restarts or the
      // collector pushes a configuration that enables it.
      scheduler.configure(run.probe, { enabled: false });
      log.warn(`probe ${run.probe} cannot run here and is paused: ${describeError(run.failure)}`);
    } else if (run.failure) {
      log.error(
        `probe ${run.probe} failed after ${secs} s (${results.length} results kept): ${describeError(run.failure)}`,
      );
    } else {
      log.info(`probe ${run.probe} done in ${secs} s: ${results.length} results`);
    }
  };
  const scheduler = createScheduler({
    probes: scheduled,
    onRun,
    initialDelayMaxMs: initialDelayMs,
    now: ctx.now,
    logger: log,
  });

  let configVersion = stored?.version;
  const apply = (push: ConfigPush): void => applyConfig(scheduler, push, cliIntervals, log);
  if (stored) apply(stored);

  const revoked = new AbortController();
  let secret = credentials.secret;
  const stream = createStreamClient({
    collectorUrl,
    agentId: credentials.agent_id,
    // Read on every connection: `rotate-secret` may have changed it meanwhile.
    secret: () => {
      try {
        secret = state.readCredentials().secret;
      } catch (err) {
        log.warn(`cannot re-read the credentials, using the ones read at start: ${describeError(err)}`);
      }
      return secret;
    },
    fingerprint: cachedHardwareFingerprint(),
    onWelcome: (welcome) => {
      if (welcome.school_id === owner.school_id) return;
      // Moved by an administrator: results from now on belong to the new
      // school; those already queued keep the old one (the collector accepts them).
      const previous = owner.school_id;
      owner.school_id = welcome.school_id;
      state.updateCredentials({ school_id: welcome.school_id });
      log.info(`this agent now belongs to school ${welcome.school_id} (was ${previous})`);
    },
    onSecret: (next) => {
      state.updateCredentials({ secret: next });
      secret = next;
    },
    outbox,
    agentVersion: AGENT_VERSION,
    configVersion: () => configVersion,
    onConfig: (push) => {
      state.writeConfig(push);
      apply(push);
      configVersion = push.version;
    },
    onEvent: (event) => {
      logStreamEvent(log, event);
      if (event.type === 'revoked') {
        log.error(
          `this agent was revoked by the collector's administrator and will not reconnect (${ErrorCodes.AUTH_REVOKED}); ` +
            `to measure again, get a new code and run skolnet-agent enroll --collector ${credentials.collector_url} --code CODE` +
            `${options.state ? ` --state ${options.state}` : ''}`,
        );
        revoked.abort();
      }
    },
  });

  const { stopped, dispose } = waitForStop(ctx.stopSignal);
  const stats = outbox.stats();
  log.info(
    `skolnet-agent ${AGENT_VERSION} running as agent ${credentials.agent_id} (school ${credentials.school_id}); ` +
      `probes: ${scheduled.map((p) => p.name).join(', ') || 'none'}; outbox ${state.outboxFile} holds ${stats.depth} results`,
  );
  scheduler.start();
  stream.start();
  try {
    const why = await Promise.race([
      stopped,
      new Promise<string>((resolve) =>
        revoked.signal.addEventListener('abort', () => resolve('revoked'), { once: true }),
      ),
    ]);
    log.info(`stopping (${why})`);
  } finally {
    dispose();
    await scheduler.stop();
    await stream.stop();
    outbox.close();
  }
  log.info('stopped');
  // Revoked: a service manager should not restart it in a loop.
  return revoked.signal.aborted ? EXIT_USAGE : EXIT_OK;
}

/** Applies a pushed or stored configuration to the schedule; command-line intervals win. */
function applyConfig(
  scheduler: Scheduler,
  push: ConfigPush,
  cliIntervals: ReadonlyMap<string, number>,
  log: Logger,
): void {
  for (const [name, conf] of Object.entries(push.config.probes)) {
    const change: { intervalMs?: number; enabled?: boolean } = {};
    if (conf.interval_s !== undefined && !cliIntervals.has(name)) change.intervalMs = conf.interval_s * 1000;
    if (conf.enabled !== undefined) change.enabled = conf.enabled;
    if (!scheduler.configure(name, change))
      log.warn(`configuration version ${push.version} names probe ${name}, which is not running here`);
  }
}

/** One log line per stream event; never the secret, never result contents. */
function logStreamEvent(log: Logger, event: StreamEvent): void {
  switch (event.type) {
    case 'state':
      if (event.state === 'connecting') log.info(`connecting to ${event.url} (attempt ${event.attempt})`);
      else if (event.state === 'connected') {
        log.info(
          `connected to the collector (school ${event.school_id}); outbox holds ${event.outbox_depth} results`,
        );
      } else {
        const retry =
          event.retry_in_ms === undefined ? '' : `; retrying in ${(event.retry_in_ms / 1000).toFixed(1)} s`;
        log.info(`disconnected: ${event.reason}${retry}`);
      }
      return;
    case 'acked':
      log.info(
        `batch acked: ${event.sent} sent, ${event.accepted} accepted, ${event.rejected} rejected` +
          `${event.unsettled > 0 ? `, ${event.unsettled} not mentioned (will resend)` : ''}; outbox holds ${event.outbox_depth}`,
      );
      return;
    case 'auth_rejected':
      log.error(
        `credentials rejected; re-enroll with skolnet-agent enroll (collector said: ${event.message}) (${ErrorCodes.AUTH_UNAUTHORIZED})`,
      );
      return;
    case 'config':
      if (event.applied) log.info(`applied configuration version ${event.version}`);
      else
        log.warn(`could not apply configuration version ${event.version}: ${event.error ?? 'unknown error'}`);
      return;
    case 'invalid_message':
      log.warn(`ignored a message from the collector (${event.code}): ${event.detail}`);
      return;
    case 'server_error':
      log.warn(
        `collector reported: ${event.message} (${event.code})${event.batch_id ? ` for batch ${event.batch_id}` : ''}`,
      );
      return;
    case 'revoked':
      return;
    case 'secret_rotated':
      log.info('secret rotated: the new secret is stored and the old one no longer works');
      return;
    case 'secret_not_stored':
      log.error(`could not store the new secret, keeping the old one: ${event.error}`);
      return;
    case 'dropped_oversized':
      log.warn(
        `dropped result ${event.id}: ${event.bytes} bytes is more than the collector accepts (${ErrorCodes.PROTOCOL_TOO_LARGE})`,
      );
      return;
  }
}
