import type { ConfigPush, Result } from '@skolnet/shared/core';
import { describeError, isSkolnetError, ErrorCodes } from '@skolnet/shared/core';
import type { EffectiveConfig, LocalLayers } from '../config/pushed-config.js';
import { effectiveConfig, validateConfigPush } from '../config/pushed-config.js';
import type { SqliteOutboxOptions } from '../outbox/sqlite-outbox.js';
import { SqliteOutbox, lossCause, type LossCause } from '../outbox/sqlite-outbox.js';
import type { CommandRunner, Probe, ProbeContext, ProbeDefinition } from '../probes/probe.js';
import type { AgentState, Credentials } from '../state/agent-state.js';
import { cachedHardwareFingerprint, hostLabeller } from '../state/agent-identity.js';
import { createStreamClient, type StreamEvent } from '../transport/stream-client.js';
import { AGENT_VERSION } from './agent-version.js';
import { configChange } from './config-change.js';
import { DataBudget } from './data-budget.js';
import { FirstAssessment } from './first-assessment.js';
import { createProcCounterSource } from './link-load.js';
import type { Logger } from './logger.js';
import { toResult } from './measurement-accumulator.js';
import type { ProbeRun } from './probe-runner.js';
import { createScheduler, type PlannedRun, type ScheduleSkip, type ScheduledProbe } from './scheduler.js';
import {
  CAMPAIGN_PROBE,
  SchoolSchedule,
  formatSchoolTime,
  isHeavyProbe,
  skipMeasurement,
} from './school-schedule.js';
import { StatusFile, type AgentStatus, type ProbeStatus } from './status-file.js';
import type { CompressedClock } from './test-clock.js';

/** What `skolnet-agent run` hands the runtime once its arguments are parsed. */
export interface AgentRuntimeSetup {
  registry: Readonly<Record<string, ProbeDefinition>>;
  /** The probes to run (`--only`, or all). */
  names: readonly string[];
  /** The local configuration layers (defaults, config file, command line) a push is laid over. */
  layers: LocalLayers;
  state: AgentState;
  credentials: Credentials;
  /** The collector's URL from the credentials, checked. */
  collectorUrl: URL;
  runner: CommandRunner;
  now: () => Date;
  log: Logger;
  outboxOptions: SqliteOutboxOptions;
  /** Upper bound of the random delay before each probe's first run, in ms. */
  initialDelayMs: number;
  /** Run every probe once at start, heavy ones included (`--assess-now`). */
  assessNow: boolean;
  /** The `--state` flag as given, for the commands the log suggests. */
  stateFlag: string | undefined;
  /** Starts listening for the stop request (SIGINT/SIGTERM or an injected signal). */
  waitForStop: () => { stopped: Promise<string>; dispose: () => void };
  /**
   * Tests only: `now` runs faster than real time; timers wait accordingly
   * and heavy probes (their line check included) run with it at real speed.
   */
  compressedClock?: CompressedClock;
}

/**
 * The enrolled agent at work: runs the probes on their schedule, queues
 * results in the outbox, streams them to the collector, applies pushed
 * configurations, and keeps status.json current until asked to stop or
 * revoked by the collector. Resolves with why it ended.
 */
export async function runAgent(setup: AgentRuntimeSetup): Promise<'stopped' | 'revoked'> {
  const { registry, names, layers, state, credentials, collectorUrl, now, log } = setup;
  const initialDelayMs = setup.initialDelayMs;
  const runner = setup.runner;
  const hostLabel = hostLabeller(credentials);
  const probeCtx: ProbeContext = { collectorUrl, runner, now, ...(hostLabel ? { hostLabel } : {}) };
  const clock = setup.compressedClock;
  // A compressed clock runs heavy tests at real speed: their transfers take real seconds.
  const atRealSpeed = (name: string, probe: Probe): Probe =>
    clock && isHeavyProbe(name)
      ? { gather: (acc, signal) => clock.atRealSpeed(() => probe.gather(acc, signal)) }
      : probe;
  const build = (eff: EffectiveConfig, tolerant: boolean): Map<string, Probe> => {
    const built = new Map<string, Probe>();
    for (const [name, conf] of Object.entries(eff.probes)) {
      const def = registry[name];
      if (!def) continue;
      try {
        const probe = def.create(probeCtx, Object.keys(conf.options).length > 0 ? conf.options : undefined);
        built.set(name, atRealSpeed(name, probe));
      } catch (err) {
        if (!tolerant) throw err;
        log.error(`probe ${name} cannot start: ${describeError(err)}`);
      }
    }
    return built;
  };

  // The stored configuration is the last one that passed validation; it is
  // checked again, as this agent may be a different version.
  let stored: ConfigPush | undefined;
  let current: EffectiveConfig;
  let probes: Map<string, Probe>;
  try {
    const raw = state.readConfig();
    stored = raw === undefined ? undefined : validateConfigPush(raw, registry);
    current = effectiveConfig(names, stored, layers);
    probes = build(current, stored === undefined);
  } catch (err) {
    log.warn(`ignoring the stored configuration: ${describeError(err)}`);
    stored = undefined;
    current = effectiveConfig(names, undefined, layers);
    probes = build(current, true);
  }
  const scheduled: ScheduledProbe[] = [...probes].map(([name, probe]) => ({
    name,
    probe,
    intervalMs: current.probes[name]?.intervalMs ?? 0,
    enabled: current.probes[name]?.enabled ?? true,
  }));

  const outbox = new SqliteOutbox(state.outboxFile, setup.outboxOptions);
  // `wifi import` and `survey` append from their own processes: send their rows within a second.
  outbox.watchExternalWrites();
  const owner = { agent_id: credentials.agent_id, school_id: credentials.school_id };
  const budget = new DataBudget({
    file: state.budgetFile,
    now,
    timezone: current.schedule.timetable.timezone,
    budgetMb: current.dataBudgetMb,
  });
  // The first assessment after enrollment (or one asked for) runs the heavy
  // probes at once: someone is waiting for a first score. It ends when each
  // heavy probe has run once or had its slot given up (budget, a line busy
  // through every retry); the timetable places every run after that.
  const firstAssessment = new FirstAssessment(state.dir);
  const pendingHeavy = new Set(scheduled.filter((p) => p.enabled && isHeavyProbe(p.name)).map((p) => p.name));
  const firstWhy = setup.assessNow
    ? 'asked for with --assess-now'
    : firstAssessment.isDue(credentials.enrolled_at)
      ? 'the first assessment after enrollment'
      : undefined;
  const schedule = new SchoolSchedule({
    firstAssessment: firstWhy !== undefined && pendingHeavy.size > 0,
    settings: current.schedule,
    budget,
    counters: createProcCounterSource(),
    random: Math.random,
    now,
    optionsOf: (probe) => current.probes[probe]?.options ?? {},
    // An acceptance campaign's lesson hour without a test is recorded as not possible, never left empty.
    onCampaignHour: (closed) =>
      onSkip({
        probe: CAMPAIGN_PROBE,
        reason: 'not_possible',
        cause: closed.cause,
        attempt: closed.tries,
        at: new Date(closed.slot.start),
      }),
  });
  let configVersion = stored?.version;
  /** Results lost because the outbox could not take them, by cause, not yet counted in its file. */
  const lostPending = new Map<LossCause, number>();
  /** Writes the pending losses into the outbox's counters once it takes writes again. */
  const flushLost = (): void => {
    for (const [cause, n] of [...lostPending]) {
      try {
        outbox.recordLost(cause, n);
        lostPending.delete(cause);
      } catch {
        return; // still failing: kept in memory, shown by status.json, tried at the next append
      }
    }
  };
  const status = new StatusFile(
    state.statusFile,
    initialStatus(credentials, current, names, budget, configVersion, now()),
    {
      now,
      logger: log,
      refresh: (s) => {
        const stats = outbox.stats();
        // Losses not yet written into the outbox (its disk is still full) count too.
        const byCause = { ...stats.dropped_by_cause };
        let pending = 0;
        for (const [cause, n] of lostPending) {
          byCause[cause] = (byCause[cause] ?? 0) + n;
          pending += n;
        }
        s.outbox = {
          depth: stats.depth,
          rejected_total: stats.rejected_total,
          dropped_total: stats.dropped_total + pending,
          dropped_by_cause: byCause,
        };
        s.budget = budget.snapshot();
        const next = scheduler.nextRuns();
        for (const [name, p] of Object.entries(s.probes)) p.next_run_at = next[name]?.toISOString() ?? null;
      },
    },
  );
  const store = (results: Result[], what: string): boolean => {
    try {
      const { dropped } = outbox.append(results);
      if (dropped > 0) log.warn(`outbox full: dropped the ${dropped} oldest results`);
      flushLost();
      return true;
    } catch (err) {
      const cause = lossCause(err);
      lostPending.set(cause, (lostPending.get(cause) ?? 0) + results.length);
      log.error(`${what}: ${results.length} results lost (${cause}): ${describeError(err)}`);
      return false;
    }
  };
  const firstRunDone = (probe: string): void => {
    if (!schedule.inFirstAssessment || !pendingHeavy.delete(probe) || pendingHeavy.size > 0) return;
    schedule.endFirstAssessment();
    const failed = firstAssessment.complete(credentials.enrolled_at, now());
    if (failed) log.warn(`cannot record the first assessment, the next start repeats it: ${failed}`);
    log.info(
      `first assessment done: heavy tests (${heavyNames(scheduled).join(', ')}) follow the timetable from now on`,
    );
  };
  const onPlan = (plan: PlannedRun): void => {
    if (!isHeavyProbe(plan.probe) || plan.kind === 'retry') return;
    const at = now();
    if (plan.kind === 'first' && schedule.inFirstAssessment && pendingHeavy.has(plan.probe)) {
      log.info(
        `probe ${plan.probe} runs now, whatever the timetable says: ${firstWhy ?? 'first assessment'}`,
      );
      return;
    }
    const why = schedule.explainPlan(plan.probe, plan.due, at) ?? '';
    log.info(
      `probe ${plan.probe} next runs at ${formatSchoolTime(plan.due, schedule.settings.timetable.timezone)}, ` +
        `in ${formatDelay(plan.due.getTime() - at.getTime())}: ${why}`,
    );
  };
  const onRun = (run: ProbeRun): void => {
    const results: Result[] = [];
    for (const m of run.measurements) {
      const r = toResult(m, owner);
      if (r.ok) results.push(r.result);
      else log.error(describeError(r.error));
    }
    for (const err of run.errors) log.warn(`probe ${run.probe}: ${describeError(err)}`);
    try {
      schedule.observe(run);
    } catch (err) {
      log.warn(`probe ${run.probe}: cannot count its data against the budget: ${describeError(err)}`);
    }
    status.update((s) => {
      const p = s.probes[run.probe];
      if (!p) return;
      p.last_run_at = now().toISOString();
      p.last_outcome = run.failure ? 'failed' : 'ok';
      p.last_detail = run.failure
        ? describeError(run.failure).slice(0, 300)
        : `${results.length} result${results.length === 1 ? '' : 's'}`;
    });
    const secs = (run.durationMs / 1000).toFixed(1);
    if (!store(results, `probe ${run.probe}`)) return;
    if (run.failure && isSkolnetError(run.failure, ErrorCodes.PROBE_UNAVAILABLE) && !run.failure.retryable) {
      // The probe cannot run on this host as configured (no Wi-Fi tool, say):
      // trying again every interval would only repeat the same error in the log. It stays off until the agent restarts or the
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
    firstRunDone(run.probe);
  };
  const onSkip = (skip: ScheduleSkip): void => {
    const r = toResult(skipMeasurement(skip), owner);
    if (r.ok) store([r.result], `skip of probe ${skip.probe}`);
    const detail = describeSkip(skip);
    status.update((s) => {
      const p = s.probes[skip.probe];
      if (!p) return;
      p.last_run_at = skip.at.toISOString();
      p.last_outcome = 'skipped';
      p.last_detail = detail;
    });
    log.info(`probe ${skip.probe} skipped: ${detail}`);
    // A slot given up (no retry) ends this probe's part of the first assessment.
    if (skip.retryInMs === undefined) firstRunDone(skip.probe);
  };
  const scheduler = createScheduler({
    probes: scheduled,
    onRun,
    onSkip,
    onPlan,
    policy: clock
      ? {
          firstDelay: (probe, intervalMs, at) => schedule.firstDelay(probe, intervalMs, at),
          nextDelay: (probe, intervalMs, at) => schedule.nextDelay(probe, intervalMs, at),
          gate: (probe, attempt, signal) =>
            isHeavyProbe(probe)
              ? clock.atRealSpeed(() => schedule.gate(probe, attempt, signal))
              : schedule.gate(probe, attempt, signal),
        }
      : schedule,
    initialDelayMaxMs: initialDelayMs,
    now,
    logger: log,
    ...(clock ? { timerScale: 1 / clock.rate } : {}),
  });

  const applyPush = (raw: ConfigPush): void => {
    // Everything that can fail happens before anything changes: validate,
    // build the probes whose options changed, store. Then swap.
    const push = validateConfigPush(raw, registry);
    const next = effectiveConfig(names, push, layers);
    const change = configChange(current, next, probes.keys());
    const rebuilt = new Map<string, Probe>();
    for (const [name, probeChange] of change.probes) {
      const def = registry[name];
      const after = next.probes[name];
      if (probeChange.rebuild && def && after)
        rebuilt.set(name, atRealSpeed(name, def.create(probeCtx, after.options)));
    }
    state.writeConfig(push);
    for (const name of Object.keys(push.config.probes)) {
      if (!probes.has(name))
        log.warn(`configuration version ${push.version} names probe ${name}, which is not running here`);
    }
    for (const [name, { intervalMs, enabled }] of change.probes) {
      const update: { intervalMs?: number; enabled?: boolean; probe?: Probe } = {};
      if (intervalMs !== undefined) update.intervalMs = intervalMs;
      if (enabled !== undefined) update.enabled = enabled;
      const probe = rebuilt.get(name);
      if (probe) {
        update.probe = probe;
        probes.set(name, probe);
      }
      scheduler.configure(name, update);
    }
    const timetableChanged = change.scheduleChanged;
    schedule.configure(next.schedule);
    budget.configure({ budgetMb: next.dataBudgetMb, timezone: next.schedule.timetable.timezone });
    current = next;
    configVersion = push.version;
    if (timetableChanged) scheduler.replan();
    status.update((s) => {
      s.config_version = push.version;
      const campaign = statusCampaign(next);
      if (campaign) s.campaign = campaign;
      else delete s.campaign;
      s.timetable = next.schedule.timetable;
      s.busy_threshold_mbps = next.schedule.busyThresholdMbps;
      for (const [name, p] of Object.entries(s.probes)) {
        p.interval_s = (next.probes[name]?.intervalMs ?? 0) / 1000;
        p.enabled = next.probes[name]?.enabled ?? true;
      }
    });
  };

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
    onConfig: applyPush,
    onEvent: (event) => {
      logStreamEvent(log, event);
      if (event.type === 'state') {
        status.update((s) => {
          s.connection = {
            state: event.state,
            since: now().toISOString(),
            detail: event.state === 'disconnected' ? event.reason.slice(0, 300) : null,
          };
        });
      } else if (event.type === 'acked' || event.type === 'auth_rejected') {
        status.update(() => {});
      } else if (event.type === 'revoked') {
        log.error(
          `this agent was revoked by the collector's administrator and will not reconnect (${ErrorCodes.AUTH_REVOKED}); ` +
            `to measure again, get a new code and run skolnet-agent enroll --collector ${credentials.collector_url} --code CODE` +
            `${setup.stateFlag ? ` --state ${setup.stateFlag}` : ''}`,
        );
        revoked.abort();
      }
    },
  });

  const { stopped, dispose } = setup.waitForStop();
  const stats = outbox.stats();
  log.info(
    `skolnet-agent ${AGENT_VERSION} running as agent ${credentials.agent_id} (school ${credentials.school_id}); ` +
      `probes: ${scheduled.map((p) => p.name).join(', ') || 'none'}; outbox ${state.outboxFile} holds ${stats.depth} results`,
  );
  scheduler.start();
  stream.start();
  status.start();
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
    status.stop();
    outbox.close();
  }
  log.info('stopped');
  // Revoked: a service manager should not restart it in a loop.
  return revoked.signal.aborted ? 'revoked' : 'stopped';
}

/** Heavy probes among those scheduled, for the log. */
function heavyNames(scheduled: readonly ScheduledProbe[]): string[] {
  return scheduled.filter((p) => isHeavyProbe(p.name)).map((p) => p.name);
}

/** `1 d 14 h`, `3 h 5 min`, `12 min`, `40 s`: a delay in words for the log. */
function formatDelay(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/** One line saying why a slot was skipped. */
function describeSkip(skip: ScheduleSkip): string {
  const retry =
    skip.retryInMs === undefined ? '' : `; trying again in ${Math.round(skip.retryInMs / 60_000)} min`;
  switch (skip.reason) {
    case 'busy':
      return `line busy (${skip.observedMbps?.toFixed(1) ?? '?'} Mbit/s of other traffic, threshold ${skip.thresholdMbps} Mbit/s)${retry}`;
    case 'budget':
      return `monthly data budget (next test about ${Math.round((skip.estimateBytes ?? 0) / 1e6)} MB, ${Math.round((skip.remainingBytes ?? 0) / 1e6)} MB left)`;
    case 'outside_hours':
      return 'the line stayed busy until lesson hours ended, or the slot passed while the host slept';
    case 'not_possible':
      return skip.cause === 'failed'
        ? `no acceptance test was possible in the lesson hour from ${skip.at.toISOString()} (${skip.attempt} tries failed or were skipped)`
        : `no acceptance test was possible in the lesson hour from ${skip.at.toISOString()} (the agent was off or asleep)`;
  }
}

/** The campaign of an effective configuration as the status file shows it, or undefined. */
function statusCampaign(eff: EffectiveConfig): AgentStatus['campaign'] {
  const c = eff.schedule.campaign;
  return c ? { id: c.id, ends_at: new Date(c.endsAt).toISOString() } : undefined;
}

/** The status a starting agent writes first. */
function initialStatus(
  credentials: Credentials,
  eff: EffectiveConfig,
  names: readonly string[],
  budget: DataBudget,
  configVersion: number | undefined,
  now: Date,
): AgentStatus {
  const probes: Record<string, ProbeStatus> = {};
  for (const name of names) {
    const p = eff.probes[name];
    if (!p) continue;
    probes[name] = {
      interval_s: p.intervalMs / 1000,
      enabled: p.enabled,
      next_run_at: null,
      last_run_at: null,
      last_outcome: null,
      last_detail: null,
    };
  }
  return {
    format: 1,
    pid: process.pid,
    agent_version: AGENT_VERSION,
    started_at: now.toISOString(),
    written_at: now.toISOString(),
    stopped_at: null,
    agent_id: credentials.agent_id,
    school_id: credentials.school_id,
    collector_url: credentials.collector_url,
    connection: { state: 'connecting', since: now.toISOString(), detail: null },
    config_version: configVersion ?? null,
    ...(statusCampaign(eff) ? { campaign: statusCampaign(eff) } : {}),
    timetable: eff.schedule.timetable,
    busy_threshold_mbps: eff.schedule.busyThresholdMbps,
    budget: budget.snapshot(),
    outbox: { depth: 0, rejected_total: 0, dropped_total: 0, dropped_by_cause: {} },
    probes,
  };
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
