import { describeError } from '@skolnet/shared';
import type { Probe } from '../probes/probe.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { DEFAULT_PROBE_TIMEOUT_MS, runProbe, type ProbeRun } from './probe-runner.js';

/**
 * Default upper bound of the random delay before each probe's first run,
 * in ms: soon enough that an operator starting the agent sees results at
 * once, spread enough that probes do not all start in the same instant.
 */
export const DEFAULT_INITIAL_DELAY_MAX_MS = 5_000;

/**
 * Default spread of each interval, as a fraction (±10 %). Agents started
 * together (a power cut ends, a fleet is upgraded) drift apart instead of
 * hitting the school's link and the collector in lockstep.
 */
export const DEFAULT_INTERVAL_JITTER = 0.1;

/** One probe the scheduler runs. */
export interface ScheduledProbe {
  /** Registry name. */
  name: string;
  probe: Probe;
  /** Time between the starts of two runs, in ms, before jitter. */
  intervalMs: number;
  /** Limit on one run, in ms. Default: the interval, at most {@link DEFAULT_PROBE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** False to register the probe without running it. Default true. */
  enabled?: boolean;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  probes: readonly ScheduledProbe[];
  /** Called after every run, failed or not; the caller stores and logs it. */
  onRun: (run: ProbeRun) => void | Promise<void>;
  /** Upper bound of the random first-run delay, in ms. Default {@link DEFAULT_INITIAL_DELAY_MAX_MS}. */
  initialDelayMaxMs?: number;
  /** Interval spread as a fraction. Default {@link DEFAULT_INTERVAL_JITTER}. */
  jitter?: number;
  /** Uniform random numbers in [0, 1); injected for tests. */
  random?: () => number;
  now?: () => Date;
  logger?: Logger;
}

interface Entry {
  def: ScheduledProbe;
  enabled: boolean;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void> | undefined;
}

/**
 * Runs each probe shortly after start, then every interval with jitter.
 * Runs of one probe never overlap (the next is planned when the current
 * ends); a failing probe never stops the others; `stop` aborts what runs.
 */
export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #options: SchedulerOptions;
  readonly #random: () => number;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #started = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger ?? silentLogger;
    for (const def of options.probes) {
      assertInterval(def.name, def.intervalMs);
      this.#entries.set(def.name, {
        def: { ...def },
        enabled: def.enabled ?? true,
        timer: undefined,
        running: undefined,
      });
    }
  }

  /** Plans every enabled probe's first run. Calling it twice does nothing. */
  start(): void {
    if (this.#started || this.#abort.signal.aborted) return;
    this.#started = true;
    for (const entry of this.#entries.values()) {
      if (entry.enabled) this.#plan(entry, this.#initialDelay());
    }
  }

  /**
   * Changes a probe's interval or switches it on or off, e.g. after the
   * collector pushed a configuration. Unknown names are ignored and
   * reported as false.
   */
  configure(name: string, change: { intervalMs?: number; enabled?: boolean }): boolean {
    const entry = this.#entries.get(name);
    if (!entry) return false;
    if (change.intervalMs !== undefined) {
      assertInterval(name, change.intervalMs);
      entry.def.intervalMs = change.intervalMs;
    }
    const wasEnabled = entry.enabled;
    if (change.enabled !== undefined) entry.enabled = change.enabled;
    if (!this.#started || this.#abort.signal.aborted || entry.running) return true;
    if (!entry.enabled) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    } else if (!wasEnabled) {
      this.#plan(entry, this.#initialDelay());
    } else if (change.intervalMs !== undefined) {
      this.#plan(entry, this.#jittered(entry.def.intervalMs));
    }
    return true;
  }

  /** Current interval of each probe, in ms, before jitter. */
  intervals(): Record<string, number> {
    return Object.fromEntries([...this.#entries].map(([name, e]) => [name, e.def.intervalMs]));
  }

  /** Cancels planned runs, aborts running ones and waits until they have ended. */
  async stop(): Promise<void> {
    this.#abort.abort();
    const running: Promise<void>[] = [];
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      if (entry.running) running.push(entry.running);
    }
    await Promise.all(running);
  }

  #plan(entry: Entry, delayMs: number): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => {
        entry.timer = undefined;
        entry.running = this.#fire(entry).finally(() => {
          entry.running = undefined;
        });
      },
      Math.max(0, delayMs),
    );
  }

  async #fire(entry: Entry): Promise<void> {
    const { def } = entry;
    const started = performance.now();
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
    const elapsed = performance.now() - started;
    this.#plan(entry, this.#jittered(def.intervalMs) - elapsed);
  }

  #initialDelay(): number {
    return this.#random() * (this.#options.initialDelayMaxMs ?? DEFAULT_INITIAL_DELAY_MAX_MS);
  }

  #jittered(intervalMs: number): number {
    const spread = this.#options.jitter ?? DEFAULT_INTERVAL_JITTER;
    return intervalMs * (1 + spread * (2 * this.#random() - 1));
  }
}

/** Builds a {@link Scheduler}. */
export function createScheduler(options: SchedulerOptions): Scheduler {
  return new Scheduler(options);
}

function assertInterval(name: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms > 0))
    throw new RangeError(`interval of probe ${name} must be a positive duration, got ${ms}`);
}
