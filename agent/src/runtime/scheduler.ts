import { describeError } from '@skolnet/shared/core';
import type { Probe } from '../probes/probe.js';
import type { Logger } from './logger.js';
import { exponentialGap, type RandomSource } from './random-gaps.js';
import { silentLogger } from './logger.js';
import { DEFAULT_PROBE_TIMEOUT_MS, runProbe, type ProbeRun } from './probe-runner.js';

/**
 * Default upper bound of the random delay before each probe's first run,
 * in ms: soon enough that an operator starting the agent sees results at
 * once, spread enough that probes do not all start in the same instant.
 */
export const DEFAULT_INITIAL_DELAY_MAX_MS = 5_000;

/** One probe the scheduler runs. */
export interface ScheduledProbe {
  /** Registry name. */
  name: string;
  probe: Probe;
  /** Mean time between the starts of two runs, in ms. */
  intervalMs: number;
  /** Limit on one run, in ms. Default: the interval, at most {@link DEFAULT_PROBE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** False to register the probe without running it. Default true. */
  enabled?: boolean;
}

/** Why a planned run did not happen. */
export interface ScheduleSkip {
  probe: string;
  /** `not_possible`: a lesson hour of an acceptance campaign ended without a test (see `cause`). */
  reason: 'busy' | 'budget' | 'outside_hours' | 'not_possible';
  /** Why a campaign hour had no test (not_possible): every try `failed`, or none was `missed` (agent off or asleep). */
  cause?: 'failed' | 'missed';
  /** Traffic seen, in Mbit/s (busy). */
  observedMbps?: number;
  /** The threshold it was compared with, in Mbit/s (busy). */
  thresholdMbps?: number;
  /** Bytes the run was expected to move (budget). */
  estimateBytes?: number;
  /** Bytes left this month (budget). */
  remainingBytes?: number;
  /** Which try of this slot it was, from 0. */
  attempt: number;
  /** Delay until the retry, in ms, when the slot is tried again. */
  retryInMs?: number;
  at: Date;
}

/** A run the scheduler has just placed in time. */
export interface PlannedRun {
  probe: string;
  /** When it is due. */
  due: Date;
  /** `first`: the probe's first run (or its first after being switched on); `next`: after a run or a given-up slot; `retry`: the same slot again after a skip. */
  kind: 'first' | 'next' | 'retry';
}

/** What a gate says about a planned run. */
export type GateDecision = { run: true } | { run: false; skip: ScheduleSkip };

/**
 * Decides where runs go in time and whether a planned run may go ahead.
 * The default plans exponential gaps around the interval and lets every
 * run go ahead.
 */
export interface SchedulePolicy {
  /** Delay before the first run, in ms; undefined for the scheduler's short random start delay. */
  firstDelay?(probe: string, intervalMs: number, now: Date): number | undefined;
  /** Delay from the end of one run (or slot) to the next, in ms. */
  nextDelay(probe: string, intervalMs: number, now: Date): number;
  /**
   * Asked just before a run; `attempt` counts the retries of this slot.
   * A skip with `retryInMs` tries the slot again after that delay,
   * without it the next slot is planned.
   */
  gate?(probe: string, attempt: number, signal: AbortSignal): Promise<GateDecision>;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  probes: readonly ScheduledProbe[];
  /** Called after every run, failed or not; the caller stores and logs it. */
  onRun: (run: ProbeRun) => void | Promise<void>;
  /** Called for every skipped slot; the caller records it as a result. */
  onSkip?: (skip: ScheduleSkip) => void;
  /** Called whenever a run is placed in time, so the caller can say when and why. */
  onPlan?: (plan: PlannedRun) => void;
  /** Upper bound of the random first-run delay, in ms. Default {@link DEFAULT_INITIAL_DELAY_MAX_MS}. */
  initialDelayMaxMs?: number;
  /** Where runs go; default: exponential gaps around each interval, no gate. */
  policy?: SchedulePolicy;
  /** Uniform random numbers in [0, 1); injected for tests. */
  random?: RandomSource;
  now?: () => Date;
  /**
   * Real ms a timer waits per ms of `now` (tests whose clock runs faster
   * than real time: a compressed clock's 1 / rate). With it, a timer that
   * wakes before `now` reaches its due time (the clock was held at real
   * speed meanwhile) waits again for the rest. Default: timers wait
   * clock ms.
   */
  timerScale?: number;
  logger?: Logger;
}

interface Entry {
  def: ScheduledProbe;
  enabled: boolean;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
  /** When the planned run is due. */
  due: Date | undefined;
  /** Retries of the current slot so far. */
  attempt: number;
  /** True once the probe has run (not merely been skipped) since it was switched on. */
  ran: boolean;
}

/**
 * Runs each probe shortly after start (or where the policy places its
 * first run), then at random gaps around its interval.
 * Runs of one probe never overlap (the next is planned when the current
 * ends); a failing probe never stops the others; `stop` aborts what runs.
 */
export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #options: SchedulerOptions;
  readonly #random: RandomSource;
  readonly #policy: SchedulePolicy;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #started = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => new Date());
    this.#policy = options.policy ?? {
      nextDelay: (_probe, intervalMs) => exponentialGap(intervalMs, this.#random),
    };
    this.#log = options.logger ?? silentLogger;
    for (const def of options.probes) {
      assertInterval(def.name, def.intervalMs);
      this.#entries.set(def.name, {
        def: { ...def },
        enabled: def.enabled ?? true,
        timer: undefined,
        running: undefined,
        due: undefined,
        attempt: 0,
        ran: false,
      });
    }
  }

  /** Plans every enabled probe's first run. Calling it twice does nothing. */
  start(): void {
    if (this.#started || this.#abort.signal.aborted) return;
    this.#started = true;
    for (const entry of this.#entries.values()) {
      if (entry.enabled) this.#plan(entry, this.#firstDelay(entry), 'first');
    }
  }

  /**
   * Changes a probe's interval, replaces the probe (new options; from its
   * next run on) or switches it on or off, e.g. after the collector pushed
   * a configuration. Unknown names are ignored and reported as false.
   */
  configure(name: string, change: { intervalMs?: number; enabled?: boolean; probe?: Probe }): boolean {
    const entry = this.#entries.get(name);
    if (!entry) return false;
    if (change.intervalMs !== undefined) {
      assertInterval(name, change.intervalMs);
      entry.def.intervalMs = change.intervalMs;
    }
    if (change.probe !== undefined) entry.def.probe = change.probe;
    const wasEnabled = entry.enabled;
    if (change.enabled !== undefined) entry.enabled = change.enabled;
    if (!this.#started || this.#abort.signal.aborted || entry.running) return true;
    if (!entry.enabled) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.due = undefined;
    } else if (!wasEnabled) {
      entry.ran = false;
      this.#plan(entry, this.#firstDelay(entry), 'first');
    } else if (change.intervalMs !== undefined) {
      this.#replanIdle(entry);
    }
    return true;
  }

  /**
   * Plans every idle probe's next run again, e.g. after the timetable
   * changed: runs placed by the old one would otherwise stand. A probe
   * that has not run yet keeps its place as a first run (the policy may
   * treat first runs differently, as the first assessment does).
   */
  replan(): void {
    if (!this.#started || this.#abort.signal.aborted) return;
    for (const entry of this.#entries.values()) {
      if (entry.enabled && !entry.running) this.#replanIdle(entry);
    }
  }

  /** Current mean interval of each probe, in ms. */
  intervals(): Record<string, number> {
    return Object.fromEntries([...this.#entries].map(([name, e]) => [name, e.def.intervalMs]));
  }

  /** When each probe's next run is due; undefined while it runs or is off. */
  nextRuns(): Record<string, Date | undefined> {
    return Object.fromEntries([...this.#entries].map(([name, e]) => [name, e.due]));
  }

  /** Cancels planned runs, aborts running ones and waits until they have ended. */
  async stop(): Promise<void> {
    this.#abort.abort();
    const running: Promise<void>[] = [];
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.due = undefined;
      if (entry.running) running.push(entry.running);
    }
    await Promise.all(running);
  }

  #replanIdle(entry: Entry): void {
    if (entry.ran) this.#plan(entry, this.#nextDelay(entry), 'next');
    else this.#plan(entry, this.#firstDelay(entry), 'first');
  }

  /** Places the entry's next run `delayMs` from now; `kind` is announced, a wake-up of a long wait is not. */
  #plan(entry: Entry, delayMs: number, kind?: PlannedRun['kind']): void {
    clearTimeout(entry.timer);
    // Node timers fire at once beyond 2^31-1 ms (24.8 days); a longer
    // delay wakes up then and plans the rest.
    const scale = this.#options.timerScale;
    const wait = Math.min(Math.max(0, delayMs) * (scale ?? 1), MAX_TIMER_MS);
    entry.due = new Date(this.#now().getTime() + Math.max(0, delayMs));
    if (kind !== undefined && this.#options.onPlan) {
      try {
        this.#options.onPlan({ probe: entry.def.name, due: entry.due, kind });
      } catch (err) {
        this.#log.error(`announcing the next run of probe ${entry.def.name} failed: ${describeError(err)}`);
      }
    }
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      if (scale !== undefined) {
        const left = (entry.due?.getTime() ?? 0) - this.#now().getTime();
        if (left > 0) {
          this.#plan(entry, left);
          return;
        }
      } else if (wait < delayMs) {
        this.#plan(entry, delayMs - wait);
        return;
      }
      entry.due = undefined;
      entry.running = this.#fire(entry).finally(() => {
        entry.running = undefined;
      });
    }, wait);
  }

  async #fire(entry: Entry): Promise<void> {
    const { def } = entry;
    if (this.#policy.gate) {
      let decision: GateDecision;
      try {
        decision = await this.#policy.gate(def.name, entry.attempt, this.#abort.signal);
      } catch (err) {
        // A broken check must not stop measuring: run as if it said yes.
        this.#log.warn(`checking whether probe ${def.name} may run failed: ${describeError(err)}`);
        decision = { run: true };
      }
      if (this.#abort.signal.aborted || !entry.enabled) return;
      if (!decision.run) {
        try {
          this.#options.onSkip?.(decision.skip);
        } catch (err) {
          this.#log.error(`recording a skip of probe ${def.name} failed: ${describeError(err)}`);
        }
        if (decision.skip.retryInMs !== undefined) {
          entry.attempt += 1;
          this.#plan(entry, decision.skip.retryInMs, 'retry');
        } else {
          entry.attempt = 0;
          this.#plan(entry, this.#nextDelay(entry), 'next');
        }
        return;
      }
    }
    entry.attempt = 0;
    entry.ran = true;
    const run = await runProbe({
      name: def.name,
      probe: def.probe,
      timeoutMs: def.timeoutMs ?? Math.min(def.intervalMs, DEFAULT_PROBE_TIMEOUT_MS),
      signal: this.#abort.signal,
      ...(this.#options.now ? { now: this.#options.now } : {}),
    });
    try {
      await this.#options.onRun(run);
    } catch (err) {
      this.#log.error(`handling the results of probe ${def.name} failed: ${describeError(err)}`);
    }
    if (this.#abort.signal.aborted || !entry.enabled) return;
    if (run.failure) {
      // A probe that ignored its abort may still be working; its next run
      // waits for it, so two runs of one probe never measure at once.
      if (run.stillGathering())
        this.#log.warn(`probe ${def.name} is still running after it was aborted; its next run waits for it`);
      await run.gathered;
      if (this.#abort.signal.aborted || !entry.enabled) return;
    }
    // Gaps run from the end of a run: the next one is planned now.
    this.#plan(entry, this.#nextDelay(entry), 'next');
  }

  #firstDelay(entry: Entry): number {
    const placed = this.#policy.firstDelay?.(entry.def.name, entry.def.intervalMs, this.#now());
    if (placed !== undefined) return placed;
    return this.#random() * (this.#options.initialDelayMaxMs ?? DEFAULT_INITIAL_DELAY_MAX_MS);
  }

  #nextDelay(entry: Entry): number {
    return this.#policy.nextDelay(entry.def.name, entry.def.intervalMs, this.#now());
  }
}

/** Longest delay a Node timer takes, in ms (2^31 − 1). */
const MAX_TIMER_MS = 2_147_483_647;

/** Builds a {@link Scheduler}. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  return new Scheduler(options);
}

function assertInterval(name: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms > 0))
    throw new RangeError(`interval of probe ${name} must be a positive duration, got ${ms}`);
}
