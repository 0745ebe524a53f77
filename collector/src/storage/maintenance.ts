import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { describeError } from '@skolnet/shared';
import type { RetentionStore, RollupStore } from './store.js';

/** Default raw retention, days: 400 keeps a school year and the 180-day Wi-Fi coverage window. */
export const DEFAULT_RAW_RETENTION_DAYS = 400;
/** Default rollup retention, days: five years (5 × 365 + 1 leap day), a programme's span. */
export const DEFAULT_ROLLUP_RETENTION_DAYS = 1_826;
/** Pause between background rollup passes, ms: how stale a rollup may get before a read refreshes it. */
export const ROLLUP_INTERVAL_MS = 5_000;
/**
 * How long an hour must have gone without new results before the
 * background job recomputes it, ms. A recomputation reads every raw row of
 * the hour, so redoing an hour each time a batch lands in it costs ingest
 * a multiple of its own work (agents draining a backlog, or the current
 * hour of every school, are marked again every few seconds); waiting for
 * a minute's quiet reads each row about once. Reads refresh the hours they
 * cover at once, whatever their age, so nothing served is stale.
 */
export const ROLLUP_QUIET_MS = 60_000;
/** Hours recomputed per background pass, so one pass stays short beside ingest. */
export const ROLLUP_HOURS_PER_PASS = 500;
/** Period of the retention job, ms (it also runs at start). */
export const RETENTION_INTERVAL_MS = 3_600_000;
/** Rows deleted per transaction by the retention job, so a run never holds the database for long. */
export const RETENTION_CHUNK_ROWS = 2_000;

const DAY_MS = 86_400_000;

/** Options of {@link startMaintenance}. */
export interface MaintenanceOptions {
  /** Raw results older than this many days are deleted once rolled up. */
  rawRetentionDays?: number;
  /** Hourly rollups older than this many days are deleted. */
  rollupRetentionDays?: number;
  rollupIntervalMs?: number;
  /** See {@link ROLLUP_QUIET_MS}. */
  rollupQuietMs?: number;
  retentionIntervalMs?: number;
  /** Clock; tests pass their own. */
  now?: () => Date;
  /** Where failures and retention runs are logged. */
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** What one retention run deleted. */
export interface RetentionOutcome {
  results_deleted: number;
  rollups_deleted: number;
}

/** Background jobs of a running collector; stopped before the store closes. */
export interface Maintenance {
  /** Recomputes every waiting hour now; resolves with the hours done. */
  rollUp(): Promise<number>;
  /** Runs the retention job now. */
  applyRetention(): Promise<RetentionOutcome>;
  /** Stops the timers and waits for a running job to finish. */
  stop(): Promise<void>;
}

/**
 * Starts the collector's background jobs: every few seconds, rolling up
 * the dirty hours that have gone quiet, and applying retention at start
 * and hourly. Jobs run one at
 * a time in small transactions with the event loop free between them, so
 * ingest interleaves; timers are unref'd and never keep the process alive.
 */
export function startMaintenance(
  store: RollupStore & RetentionStore,
  options: MaintenanceOptions = {},
): Maintenance {
  const rawDays = options.rawRetentionDays ?? DEFAULT_RAW_RETENTION_DAYS;
  const rollupDays = options.rollupRetentionDays ?? DEFAULT_ROLLUP_RETENTION_DAYS;
  const now = options.now ?? (() => new Date());
  let chain: Promise<unknown> = Promise.resolve();
  let stopped = false;

  // One job at a time, in call order; a failed job does not stop the next.
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const run = chain.then(job);
    chain = run.catch(() => undefined);
    return run;
  };

  const quietMs = options.rollupQuietMs ?? ROLLUP_QUIET_MS;
  const rollUpAll = async (scope: { before?: Date; quiet?: boolean } = {}): Promise<number> => {
    let total = 0;
    for (;;) {
      const done = await store.refreshRollups({
        limit: ROLLUP_HOURS_PER_PASS,
        ...(scope.before === undefined ? {} : { before: scope.before }),
        // Marks carry the wall-clock time they were made (Date.now()), not `now()`.
        ...(scope.quiet === true ? { markedBefore: new Date(Date.now() - quietMs) } : {}),
      });
      total += done;
      if (done < ROLLUP_HOURS_PER_PASS || stopped) return total;
      await yieldToEventLoop();
    }
  };

  const applyRetentionNow = async (): Promise<RetentionOutcome> => {
    const at = now().getTime();
    const rawCutoff = new Date(at - rawDays * DAY_MS);
    const rollupCutoff = new Date(at - rollupDays * DAY_MS);
    // Roll up what is about to go first; deleteResultsBefore also skips any hour still dirty.
    await rollUpAll({ before: rawCutoff });
    const outcome: RetentionOutcome = { results_deleted: 0, rollups_deleted: 0 };
    for (let more = true; more && !stopped;) {
      const r = await store.deleteResultsBefore(rawCutoff, RETENTION_CHUNK_ROWS);
      outcome.results_deleted += r.deleted;
      more = r.more;
      await yieldToEventLoop();
    }
    for (let more = true; more && !stopped;) {
      const r = await store.deleteRollupsBefore(rollupCutoff, RETENTION_CHUNK_ROWS);
      outcome.rollups_deleted += r.deleted;
      more = r.more;
      await yieldToEventLoop();
    }
    return outcome;
  };

  const background = (name: string, job: () => Promise<unknown>) => (): void => {
    if (stopped) return;
    serial(job).then(
      (outcome) => {
        if (name === 'retention') options.log?.info({ ...(outcome as object) }, 'retention applied');
      },
      (err: unknown) => options.log?.error({ job: name, err: describeError(err) }, 'maintenance job failed'),
    );
  };

  const rollupTick = background('rollups', () => rollUpAll({ quiet: true }));
  const retentionTick = background('retention', applyRetentionNow);
  const rollupTimer = setInterval(rollupTick, options.rollupIntervalMs ?? ROLLUP_INTERVAL_MS);
  const retentionTimer = setInterval(retentionTick, options.retentionIntervalMs ?? RETENTION_INTERVAL_MS);
  rollupTimer.unref();
  retentionTimer.unref();
  retentionTick();

  return {
    rollUp: () => serial(() => rollUpAll()),
    applyRetention: () => serial(applyRetentionNow),
    stop: async () => {
      stopped = true;
      clearInterval(rollupTimer);
      clearInterval(retentionTimer);
      await chain;
    },
  };
}
