import { readFileSync } from 'node:fs';
import type { Timetable } from '@skolnet/shared/core';
import { describeError } from '@skolnet/shared/core';
import { writeFileAtomic } from '../state/agent-state.js';
import type { BudgetSnapshot } from './data-budget.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

/**
 * How often the running agent rewrites its status file, in ms, even when
 * nothing changed: the file's age then tells `status` whether the agent
 * is alive (a killed agent cannot say it stopped).
 */
export const STATUS_WRITE_INTERVAL_MS = 5_000;

/**
 * A status file older than this is stale, in ms: three missed writes.
 * One missed write can be a busy disk; three mean the agent is gone.
 */
export const STATUS_STALE_MS = 3 * STATUS_WRITE_INTERVAL_MS;

/**
 * Changes are written at most this often, in ms, so a burst of events
 * (a batch acked, results appended) becomes one write.
 */
const CHANGE_DEBOUNCE_MS = 250;

/** The last run or skip of one probe. */
export interface ProbeStatus {
  interval_s: number;
  enabled: boolean;
  /** When the next run is due, RFC 3339, or null (running, off). */
  next_run_at: string | null;
  last_run_at: string | null;
  /** `ok`, `failed` (the probe failed as a whole) or `skipped` (busy, budget, outside_hours). */
  last_outcome: 'ok' | 'failed' | 'skipped' | null;
  /** Results of the last run, or the skip reason, or the error, one line. */
  last_detail: string | null;
}

/** What the running agent writes to `status.json` in its state directory. Never the secret. */
export interface AgentStatus {
  format: 1;
  pid: number;
  agent_version: string;
  started_at: string;
  written_at: string;
  /** Set when the agent stopped cleanly. */
  stopped_at: string | null;
  agent_id: string;
  school_id: string;
  collector_url: string;
  connection: { state: 'connecting' | 'connected' | 'disconnected'; since: string; detail: string | null };
  config_version: number | null;
  /**
   * The acceptance campaign the effective configuration has (pushed by the
   * collector), `ends_at` as an ISO 8601 instant; absent when none (and in
   * status files of agents from before campaigns).
   */
  campaign?: { id: string; ends_at: string };
  timetable: Timetable;
  busy_threshold_mbps: number;
  budget: BudgetSnapshot;
  /** `dropped_by_cause`: `cap` (the outbox's size cap), `disk_full`, `read_only`, `store_error`. */
  outbox: {
    depth: number;
    rejected_total: number;
    dropped_total: number;
    dropped_by_cause: Record<string, number>;
  };
  probes: Record<string, ProbeStatus>;
}

/**
 * Keeps the status file current: rewritten atomically on change (debounced)
 * and every {@link STATUS_WRITE_INTERVAL_MS}. Failures to write are logged
 * once and never stop the agent.
 */
export class StatusFile {
  readonly #file: string;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #refresh: (s: AgentStatus) => void;
  #status: AgentStatus;
  #timer: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #failing = false;

  /**
   * @param refresh called before each write to bring volatile figures
   *   (outbox depth, next runs, budget) up to date
   */
  constructor(
    file: string,
    initial: AgentStatus,
    options: { now: () => Date; logger?: Logger; refresh?: (s: AgentStatus) => void },
  ) {
    this.#file = file;
    this.#status = initial;
    this.#now = options.now;
    this.#log = options.logger ?? silentLogger;
    this.#refresh = options.refresh ?? (() => {});
  }

  /** Writes now and then every interval. */
  start(): void {
    this.write();
    this.#timer = setInterval(() => this.write(), STATUS_WRITE_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Changes the status and writes it soon. */
  update(change: (s: AgentStatus) => void): void {
    change(this.#status);
    if (this.#debounce || !this.#timer) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.write();
    }, CHANGE_DEBOUNCE_MS);
    this.#debounce.unref();
  }

  /** Writes the status file now. */
  write(): void {
    try {
      this.#refresh(this.#status);
      this.#status.written_at = this.#now().toISOString();
      writeFileAtomic(this.#file, `${JSON.stringify(this.#status, null, 2)}\n`, 0o600);
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#log.warn(`cannot write the status file: ${describeError(err)}`);
      this.#failing = true;
    }
  }

  /** Stops the timers and writes a last status saying the agent stopped. */
  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#debounce);
    this.#timer = undefined;
    this.#debounce = undefined;
    this.#status.stopped_at = this.#now().toISOString();
    this.write();
  }
}

/** The status file's contents, or undefined when it is missing or unreadable. */
export function readStatusFile(file: string): AgentStatus | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AgentStatus> | null;
    if (!parsed || parsed.format !== 1 || typeof parsed.written_at !== 'string') return undefined;
    return parsed as AgentStatus;
  } catch {
    return undefined;
  }
}
