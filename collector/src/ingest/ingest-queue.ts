import { ErrorCodes, SkolnetError, type Result } from '@skolnet/shared';
import type { InsertOutcome, ResultStore } from '../storage/store.js';

/**
 * Most results committed in one group transaction. 4,000 is eight full
 * batches (the protocol allows 500 per batch): large enough that a
 * transaction's fixed cost (BEGIN/COMMIT and the WAL append with SQLite; a
 * round trip and a WAL flush to disk with PostgreSQL) is spread over many
 * batches, small enough that one group stays within a few tens of ms on
 * modest hardware, which bounds how long a batch waits behind the group
 * ahead of it.
 */
export const DEFAULT_MAX_GROUP_RESULTS = 4_000;

/**
 * Message bytes handled (parsed, validated, waiting for their commit) at
 * once across all sessions. 4 MiB holds about 25 full batches of typical
 * results, some three groups: enough to keep the store busy, while
 * everything beyond waits unread in the kernel's socket buffers (the
 * sessions stop reading meanwhile). Without the bound, 20,000 agents
 * reconnecting after an outage, each with a full batch, would all be
 * parsed into memory at once.
 */
export const DEFAULT_MAX_ADMITTED_BYTES = 4 * 1024 * 1024;

/**
 * Group transactions a store that runs them on a server (PostgreSQL) gets
 * at once. With one, the server waits while the collector forms and sends
 * the next group, and the collector waits while the server inserts and
 * flushes its WAL; with two, one group is inserted while the other
 * commits. More would mostly wait on each other's dirty-hour marks.
 */
export const SERVER_STORE_CONCURRENT_GROUPS = 2;

/** What {@link IngestQueue.insert} reports about one batch's results. */
export interface IngestOutcome {
  /** Results of this call now stored (new now or stored before). */
  stored: number;
  /** Batches committed together in the transaction that stored them. */
  group_batches: number;
  /** The group transaction's counts over all of its batches. */
  group: InsertOutcome;
}

/**
 * Group commit for agent batches. Batches submitted while a transaction is
 * running are stored together in the next one, so many connected agents
 * share one commit instead of paying one each. Every call resolves only
 * after the transaction holding its results has committed, and rejects
 * when its results could not be stored; a failing group is retried batch
 * by batch, so one bad batch fails alone.
 */
export interface IngestQueue {
  /**
   * Stores validated, ownership-checked results, idempotent on `id`
   * (see {@link ResultStore.insertResults}). Resolves after the commit.
   */
  insert(results: readonly Result[]): Promise<IngestOutcome>;
  /** Resolves once nothing is waiting or being stored. */
  drain(): Promise<void>;
  /**
   * Runs `task`, which handles one message of `bytes`, once the bytes
   * handled at once across all sessions fit the budget (a message larger
   * than the whole budget runs alone). First come, first served.
   */
  admit<T>(bytes: number, task: () => Promise<T>): Promise<T>;
}

/** Options of {@link createIngestQueue}. */
export interface IngestQueueOptions {
  store: Pick<ResultStore, 'insertResults'>;
  /** Clock for `received_at`. */
  now: () => Date;
  /** Most results per group transaction; default {@link DEFAULT_MAX_GROUP_RESULTS}. */
  maxGroupResults?: number;
  /** Message bytes handled at once; default {@link DEFAULT_MAX_ADMITTED_BYTES}. */
  maxAdmittedBytes?: number;
  /**
   * Group transactions running at once; default 1. Only for a store with
   * several connections (see {@link SERVER_STORE_CONCURRENT_GROUPS}):
   * SQLite's one connection runs one transaction at a time anyway.
   */
  concurrentGroups?: number;
  /**
   * Called after every committed transaction with its exact counts (new
   * and already stored): the one place that knows them, as a group mixes
   * batches of many agents.
   */
  onCommitted?: (outcome: InsertOutcome, batches: number) => void;
  /**
   * Called for every transaction that failed, with what the store threw
   * (a failed group and each of its batches tried alone count apart).
   */
  onFailed?: (err: unknown) => void;
}

interface Pending {
  results: readonly Result[];
  resolve: (outcome: IngestOutcome) => void;
  reject: (err: unknown) => void;
}

/** Creates an {@link IngestQueue} over a store. */
export function createIngestQueue(options: IngestQueueOptions): IngestQueue {
  const { store, now } = options;
  const maxGroupResults = options.maxGroupResults ?? DEFAULT_MAX_GROUP_RESULTS;
  if (!Number.isInteger(maxGroupResults) || maxGroupResults < 1) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `ingest maxGroupResults must be a positive integer, got ${maxGroupResults}`,
    );
  }
  const maxAdmittedBytes = options.maxAdmittedBytes ?? DEFAULT_MAX_ADMITTED_BYTES;
  if (!Number.isInteger(maxAdmittedBytes) || maxAdmittedBytes < 1) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `ingest maxAdmittedBytes must be a positive integer, got ${maxAdmittedBytes}`,
    );
  }
  const concurrentGroups = options.concurrentGroups ?? 1;
  if (!Number.isInteger(concurrentGroups) || concurrentGroups < 1) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `ingest concurrentGroups must be a positive integer, got ${concurrentGroups}`,
    );
  }
  let admittedBytes = 0;
  const admissionQueue: { bytes: number; start: () => void }[] = [];
  const admitNext = (): void => {
    while (admissionQueue.length > 0) {
      const head = admissionQueue[0]!;
      if (admittedBytes > 0 && admittedBytes + head.bytes > maxAdmittedBytes) return;
      admissionQueue.shift();
      admittedBytes += head.bytes;
      head.start();
    }
  };
  let pending: Pending[] = [];
  /** Groups taken or about to be taken, and not yet settled. */
  let running = 0;
  let idleWaiters: (() => void)[] = [];

  const schedule = (): void => {
    if (running >= concurrentGroups || pending.length === 0) return;
    running += 1;
    // setImmediate, not a microtask: batches that arrived in the same
    // I/O phase (and those that arrive while a group commits) get to
    // join the group before it is taken.
    setImmediate(() => void flushOne());
  };

  const takeGroup = (): Pending[] => {
    let count = 0;
    let n = 0;
    while (n < pending.length) {
      const size = pending[n]!.results.length;
      if (n > 0 && count + size > maxGroupResults) break;
      count += size;
      n += 1;
    }
    const group = pending.slice(0, n);
    pending = pending.slice(n);
    return group;
  };

  const flushOne = async (): Promise<void> => {
    const group = takeGroup();
    try {
      // Another running group may have taken everything meanwhile.
      if (group.length > 0) await commit(group);
    } finally {
      running -= 1;
      schedule();
      if (running === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const w of waiters) w();
      }
    }
  };

  const commit = async (group: Pending[]): Promise<void> => {
    const all = group.length === 1 ? group[0]!.results : group.flatMap((p) => p.results);
    try {
      const outcome = await store.insertResults(all, now());
      options.onCommitted?.(outcome, group.length);
      for (const p of group) {
        p.resolve({ stored: p.results.length, group_batches: group.length, group: outcome });
      }
      return;
    } catch (err) {
      options.onFailed?.(err);
      if (group.length === 1) {
        group[0]!.reject(err);
        return;
      }
    }
    // The group failed as a whole: store its batches one by one so a batch
    // that cannot be stored fails alone and the others are still acked.
    for (const p of group) {
      try {
        const outcome = await store.insertResults(p.results, now());
        options.onCommitted?.(outcome, 1);
        p.resolve({ stored: p.results.length, group_batches: 1, group: outcome });
      } catch (err) {
        options.onFailed?.(err);
        p.reject(err);
      }
    }
  };

  return {
    insert(results) {
      if (results.length === 0) {
        return Promise.resolve({ stored: 0, group_batches: 0, group: { inserted: 0, duplicates: 0 } });
      }
      return new Promise<IngestOutcome>((resolve, reject) => {
        pending.push({ results, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (running === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    admit(bytes, task) {
      return new Promise((resolve, reject) => {
        admissionQueue.push({
          bytes,
          start: () => {
            task()
              .then(resolve, reject)
              .finally(() => {
                admittedBytes -= bytes;
                admitNext();
              });
          },
        });
        admitNext();
      });
    },
  };
}
