import { readFileSync } from 'node:fs';
import type { Measurement } from '@skolnet/shared/core';
import { writeFileAtomic } from '../state/agent-state.js';
import { monthKey } from './timetable.js';

/**
 * Default monthly data budget of heavy tests, in MB (10^6 bytes). At the
 * default intervals (throughput every 6 h, ndt7 and bottleneck daily) a
 * school on a 30 Mbit/s line moves about 8 GB a month; 10 GB covers that
 * and stops a fast line from running up a metered mobile contract. Fibre
 * schools without a cap may be pushed a larger budget; 0 means no heavy tests.
 */
export const DEFAULT_DATA_BUDGET_MB = 10_000;

/**
 * Bytes assumed for a probe's first run, before any history: about one
 * throughput test on a 40 Mbit/s line (2 × 12 s). Later estimates come
 * from the probe's own recent runs.
 */
export const FIRST_RUN_ESTIMATE_BYTES = 120_000_000;

/** Runs per probe remembered for the estimate. */
const HISTORY_RUNS = 5;
/** Recent runs whose largest figure is the estimate: a line that got faster shows at once. */
const ESTIMATE_RUNS = 3;

const BYTES_PER_MB = 1_000_000;

interface BudgetRecord {
  version: 1;
  /** `YYYY-MM` in the school's time zone. */
  month: string;
  used_bytes: number;
  /** Bytes of each probe's recent runs, oldest first; kept across months for estimates. */
  recent: Record<string, number[]>;
}

/** What the budget allows for one run. */
export type BudgetDecision =
  | { ok: true; estimateBytes: number }
  | { ok: false; estimateBytes: number; usedBytes: number; budgetBytes: number };

/** The month's figures, for the status file. */
export interface BudgetSnapshot {
  month: string;
  used_bytes: number;
  budget_bytes: number;
  remaining_bytes: number;
}

/** Options of {@link DataBudget}. */
export interface DataBudgetOptions {
  /** The accounting file in the state directory. */
  file: string;
  now: () => Date;
  /** Time zone whose calendar month is the period (the school's). */
  timezone: string;
  budgetMb?: number;
}

/**
 * The monthly data budget of heavy tests: counts the bytes each run moved,
 * persists them (a restart does not reset the month), starts over when the
 * month changes in the school's time zone, and refuses a run that would
 * go past the budget by its estimate.
 */
export class DataBudget {
  readonly #file: string;
  readonly #now: () => Date;
  #timezone: string;
  #budgetBytes: number;
  #record: BudgetRecord;

  constructor(options: DataBudgetOptions) {
    this.#file = options.file;
    this.#now = options.now;
    this.#timezone = options.timezone;
    this.#budgetBytes = (options.budgetMb ?? DEFAULT_DATA_BUDGET_MB) * BYTES_PER_MB;
    this.#record = readRecord(this.#file) ?? {
      version: 1,
      month: monthKey(this.#now(), this.#timezone),
      used_bytes: 0,
      recent: {},
    };
  }

  /** Changes the budget or the time zone (a pushed configuration). */
  configure(change: { budgetMb?: number; timezone?: string }): void {
    if (change.budgetMb !== undefined) this.#budgetBytes = change.budgetMb * BYTES_PER_MB;
    if (change.timezone !== undefined) this.#timezone = change.timezone;
  }

  /** Bytes the next run of `probe` is expected to move. */
  estimate(probe: string): number {
    const recent = (this.#record.recent[probe] ?? []).slice(-ESTIMATE_RUNS);
    return recent.length > 0 ? Math.max(...recent) : FIRST_RUN_ESTIMATE_BYTES;
  }

  /** Whether the next run of `probe` fits in what is left of this month's budget. */
  check(probe: string): BudgetDecision {
    this.#rollover();
    const estimateBytes = this.estimate(probe);
    if (this.#record.used_bytes + estimateBytes <= this.#budgetBytes) return { ok: true, estimateBytes };
    return { ok: false, estimateBytes, usedBytes: this.#record.used_bytes, budgetBytes: this.#budgetBytes };
  }

  /** Counts a run's bytes and persists the accounting. */
  record(probe: string, bytes: number): void {
    if (!(Number.isFinite(bytes) && bytes >= 0)) return;
    this.#rollover();
    this.#record.used_bytes += bytes;
    this.#record.recent[probe] = [...(this.#record.recent[probe] ?? []), bytes].slice(-HISTORY_RUNS);
    this.#save();
  }

  /** This month's figures. */
  snapshot(): BudgetSnapshot {
    this.#rollover();
    return {
      month: this.#record.month,
      used_bytes: this.#record.used_bytes,
      budget_bytes: this.#budgetBytes,
      remaining_bytes: Math.max(0, this.#budgetBytes - this.#record.used_bytes),
    };
  }

  #rollover(): void {
    const month = monthKey(this.#now(), this.#timezone);
    if (month === this.#record.month) return;
    this.#record = { ...this.#record, month, used_bytes: 0 };
    this.#save();
  }

  #save(): void {
    writeFileAtomic(this.#file, `${JSON.stringify(this.#record)}\n`, 0o600);
  }
}

/**
 * The accounting stored in `file`, or undefined when there is none or it
 * is unreadable (the month then starts from zero: a broken file must not
 * stop the agent, and a lost count errs by one month at most).
 */
export function readRecord(file: string): BudgetRecord | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  const r = parsed as Partial<BudgetRecord> | null;
  if (
    !r ||
    r.version !== 1 ||
    typeof r.month !== 'string' ||
    !/^\d{4}-\d{2}$/.test(r.month) ||
    typeof r.used_bytes !== 'number' ||
    !(r.used_bytes >= 0) ||
    typeof r.recent !== 'object' ||
    r.recent === null
  )
    return undefined;
  const recent: Record<string, number[]> = {};
  for (const [probe, list] of Object.entries(r.recent)) {
    if (Array.isArray(list))
      recent[probe] = list.filter((n): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0);
  }
  return { version: 1, month: r.month, used_bytes: r.used_bytes, recent };
}

function num(m: Measurement, key: string): number {
  const v = m.fields[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
}

/**
 * Bytes a heavy probe's run moved over the school's internet line, from
 * its result fields:
 * - `throughput`: `bytes_down` + `bytes_up` (every byte, warm-up included);
 * - `ndt7`: `download_bytes` + `upload_bytes`;
 * - `bottleneck`: it reports rates, not bytes, so the WAN download's bytes
 *   are its rate over warm-up plus window (`wan_download_mbps` ×
 *   (`warmup_s` + `duration_s`) of its options); its LAN download stays
 *   inside the school and does not count.
 * Undefined for other probes.
 */
export function bytesMoved(
  probe: string,
  measurements: readonly Measurement[],
  options: Readonly<Record<string, unknown>> = {},
): number | undefined {
  const own = measurements.filter((m) => m.measurement === probe);
  switch (probe) {
    case 'throughput':
      return own.reduce((sum, m) => sum + num(m, 'bytes_down') + num(m, 'bytes_up'), 0);
    case 'ndt7':
      return own.reduce((sum, m) => sum + num(m, 'download_bytes') + num(m, 'upload_bytes'), 0);
    case 'bottleneck': {
      // The bottleneck probe's own defaults: 1 s warm-up, 5 s window.
      const warmup = typeof options.warmup_s === 'number' ? options.warmup_s : 1;
      const duration = typeof options.duration_s === 'number' ? options.duration_s : 5;
      return own.reduce(
        (sum, m) => sum + Math.round((num(m, 'wan_download_mbps') * 1e6 * (warmup + duration)) / 8),
        0,
      );
    }
    default:
      return undefined;
  }
}
