import type { Measurement } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, describeError } from '@skolnet/shared/core';
import type { Probe } from '../probes/probe.js';
import { MeasurementAccumulator } from './measurement-accumulator.js';

/**
 * Default limit on one probe run, in ms. Ten minutes covers a throughput
 * test on a slow rural link with room to spare; a run still going after
 * that is stuck, and the next scheduled run should get its turn.
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 10 * 60_000;

/** What one probe run produced. */
export interface ProbeRun {
  /** Registry name of the probe. */
  probe: string;
  /** Valid measurements, in the order they were reported. */
  measurements: readonly Measurement[];
  /** Partial failures reported through the accumulator, and invalid measurements. */
  errors: readonly Error[];
  /** Set when the probe threw, timed out or was aborted as a whole. */
  failure?: Error;
  /** Wall time of the run, in ms. */
  durationMs: number;
  /**
   * Resolves when the probe's `gather` has really returned. After a timeout
   * or abort this can be later than the run's end (a probe that ignores its
   * signal); the scheduler waits for it so runs of one probe never overlap.
   */
  gathered: Promise<void>;
  /** True while the probe's `gather` has not returned yet. */
  stillGathering: () => boolean;
}

/** Options of {@link runProbe}. */
export interface RunProbeOptions {
  /** Registry name of the probe. */
  name: string;
  probe: Probe;
  /** Limit on the run, in ms. Default {@link DEFAULT_PROBE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Aborts the run from outside (agent shutdown). */
  signal?: AbortSignal;
  now?: () => Date;
}

/**
 * Runs one probe once and never throws: a thrown error, a timeout or an
 * abort becomes `failure`. On timeout or abort the probe's signal aborts
 * and the run ends at once, even when the probe ignores its signal; what
 * it reports later is dropped.
 */
export async function runProbe(options: RunProbeOptions): Promise<ProbeRun> {
  const { name, probe } = options;
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
  const acc = new MeasurementAccumulator(name, now);
  const controller = new AbortController();
  const started = performance.now();

  let settle: (failure: Error | undefined) => void = () => {};
  const ended = new Promise<Error | undefined>((resolve) => (settle = resolve));

  const onOuterAbort = (): void => {
    const failure = new SkolnetError(ErrorCodes.PROBE_FAILED, `probe ${name} was stopped`);
    controller.abort(failure);
    settle(failure);
  };
  if (options.signal?.aborted) onOuterAbort();
  else options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const timer = setTimeout(() => {
    const failure = new SkolnetError(
      ErrorCodes.PROBE_FAILED,
      `probe ${name} timed out after ${timeoutMs} ms`,
      {
        retryable: true,
      },
    );
    controller.abort(failure);
    settle(failure);
  }, timeoutMs);

  let gathered = Promise.resolve();
  if (!controller.signal.aborted) {
    // Promise.resolve().then() turns a synchronous throw inside gather into a rejection.
    gathered = Promise.resolve()
      .then(() => probe.gather(acc, controller.signal))
      .then(
        () => settle(undefined),
        (err: unknown) =>
          settle(
            err instanceof Error
              ? err
              : new SkolnetError(ErrorCodes.PROBE_FAILED, `probe ${name} failed: ${describeError(err)}`),
          ),
      );
  }
  let gatherEnded = false;
  gathered = gathered.finally(() => (gatherEnded = true));

  const failure = await ended;
  clearTimeout(timer);
  options.signal?.removeEventListener('abort', onOuterAbort);
  acc.close();
  const run: ProbeRun = {
    probe: name,
    measurements: acc.measurements,
    errors: acc.errors,
    durationMs: performance.now() - started,
    gathered,
    stillGathering: () => !gatherEnded,
  };
  if (failure) run.failure = failure;
  return run;
}
