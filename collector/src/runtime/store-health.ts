import { describeError } from '@skolnet/shared';

/**
 * Why a write to the store failed, as far as the database says:
 * `disk_full` (SQLite `SQLITE_FULL`, PostgreSQL 53100 disk_full),
 * `read_only` (`SQLITE_READONLY*`, PostgreSQL 25006), `io_error`
 * (`SQLITE_IOERR*`, PostgreSQL class 58 system errors), `unavailable`
 * (the database server refused or dropped the connection), and
 * `store_error` for anything else.
 */
export type StoreWriteCause = 'disk_full' | 'read_only' | 'io_error' | 'unavailable' | 'store_error';

/** Every {@link StoreWriteCause}, for metrics that list each label. */
export const STORE_WRITE_CAUSES: readonly StoreWriteCause[] = [
  'disk_full',
  'read_only',
  'io_error',
  'unavailable',
  'store_error',
];

/** Words for the log line and the readiness answer. */
const CAUSE_TEXT: Record<StoreWriteCause, string> = {
  disk_full: 'the disk is full',
  read_only: 'the database is read-only',
  io_error: 'the disk reports I/O errors',
  unavailable: 'the database server is unavailable',
  store_error: 'the store fails to write',
};

/** Node's socket errors that mean the PostgreSQL server cannot be reached. */
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** The cause of one error itself (not its chain), or undefined when it says nothing. */
function causeOf(code: string): StoreWriteCause | undefined {
  if (code === 'SQLITE_FULL' || code === '53100') return 'disk_full';
  if (code.startsWith('SQLITE_READONLY') || code === '25006') return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CORRUPT' || code.startsWith('58'))
    return 'io_error';
  // 57P01-57P03: the server is shutting down or cannot accept connections yet.
  if (/^57P0[123]$/.test(code) || code.startsWith('08') || UNAVAILABLE_SOCKET_CODES.has(code)) {
    return 'unavailable';
  }
  return undefined;
}

/**
 * Classifies a failed store write by the database's own error code, looking
 * through `cause` chains (the store wraps driver errors in
 * `SKOLNET_STORE_FAILED`).
 */
export function storeWriteCause(err: unknown): StoreWriteCause {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth += 1) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      const cause = causeOf(code);
      if (cause !== undefined) return cause;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return 'store_error';
}

/** Whether the store takes writes, as {@link StoreHealth.readiness} answers. */
export type StoreReadiness =
  | { ready: true }
  | {
      ready: false;
      cause: StoreWriteCause;
      /** One sentence for people: what is wrong and what it means for agents. */
      message: string;
      /** When the first write of this episode failed. */
      since: Date;
      /** Writes failed in this episode. */
      failures: number;
    };

/** Where {@link StoreHealth} writes its lines (a pino-like logger). */
export interface StoreHealthLog {
  error(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/**
 * Whether the collector's store takes writes. Every write path that
 * matters reports its outcome; a run of failures is one episode, logged
 * once with its real cause when it starts (and again only if the cause
 * changes) and once when writes succeed again, however many agents retry
 * meanwhile.
 */
export interface StoreHealth {
  /** A write failed; `err` is what the store threw. */
  writeFailed(err: unknown): void;
  /** A write succeeded: an episode of failures, if any, is over. */
  writeSucceeded(): void;
  /**
   * Ready unless the last write failed. While it does, a probe write is
   * made at most once per probe interval, so readiness returns when the
   * disk has room again even if no agent happens to send.
   */
  readiness(): Promise<StoreReadiness>;
  /** Whether the last write failed, without probing. */
  failing(): boolean;
}

/**
 * Least time between two probe writes while the store fails, in ms. A
 * load balancer polls readiness every few seconds; one small write per
 * 5 s at most keeps a full disk from being hammered.
 */
export const STORE_PROBE_INTERVAL_MS = 5_000;

/** Options of {@link createStoreHealth}. */
export interface StoreHealthOptions {
  /** A small real write (a meta row), used to see whether writes work again. */
  probe: () => Promise<void>;
  log: StoreHealthLog;
  /** Counts one failed write by cause. */
  countFailure?: (cause: StoreWriteCause) => void;
  /** Wall clock for `since`. */
  now: () => Date;
  /** Monotonic ms for the probe interval; default `performance.now()`. */
  monotonicMs?: () => number;
  probeIntervalMs?: number;
}

/** Creates a {@link StoreHealth}. */
export function createStoreHealth(options: StoreHealthOptions): StoreHealth {
  const monotonic = options.monotonicMs ?? (() => performance.now());
  const probeIntervalMs = options.probeIntervalMs ?? STORE_PROBE_INTERVAL_MS;
  let episode: { cause: StoreWriteCause; since: Date; failures: number; startedMs: number } | undefined;
  let lastProbeMs = Number.NEGATIVE_INFINITY;
  let probing: Promise<void> | undefined;

  const failed = (err: unknown, counted: boolean): void => {
    const cause = storeWriteCause(err);
    if (counted) options.countFailure?.(cause);
    if (episode === undefined || episode.cause !== cause) {
      const first = episode === undefined;
      episode = {
        cause,
        since: episode?.since ?? options.now(),
        failures: episode?.failures ?? 0,
        startedMs: episode?.startedMs ?? monotonic(),
      };
      // One line per episode (and per change of cause), never per retry:
      // every agent resends its batch until the store takes it.
      options.log.error(
        { cause, err: describeError(err), ...(first ? {} : { failures: episode.failures }) },
        `store cannot write: ${CAUSE_TEXT[cause]}; batches are not acknowledged and agents keep them until it can`,
      );
    }
    if (counted) episode.failures += 1;
  };

  const succeeded = (): void => {
    if (episode === undefined) return;
    options.log.info(
      {
        cause: episode.cause,
        failures: episode.failures,
        duration_ms: Math.round(monotonic() - episode.startedMs),
      },
      'store writes again',
    );
    episode = undefined;
  };

  return {
    writeFailed: (err) => failed(err, true),
    writeSucceeded: succeeded,
    failing: () => episode !== undefined,
    async readiness() {
      if (episode !== undefined && monotonic() - lastProbeMs >= probeIntervalMs) {
        lastProbeMs = monotonic();
        probing = options
          .probe()
          .then(succeeded, (err: unknown) => failed(err, false))
          .finally(() => (probing = undefined));
      }
      // Concurrent readiness checks wait for the one probe in flight.
      if (probing !== undefined) await probing;
      if (episode === undefined) return { ready: true };
      return {
        ready: false,
        cause: episode.cause,
        message: `the store cannot write: ${CAUSE_TEXT[episode.cause]}`,
        since: episode.since,
        failures: episode.failures,
      };
    },
  };
}
