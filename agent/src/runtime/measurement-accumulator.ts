import type { Fields, Tags } from '@skolnet/shared/core';
import {
  ErrorCodes,
  type Measurement,
  NAME_PATTERN,
  type Result,
  ResultLimits,
  SkolnetError,
  measurementValidator,
  resultValidator,
  describeError,
  formatIssues,
  uuidv7,
} from '@skolnet/shared/core';
import type { Accumulator } from '../probes/probe.js';

/** Who owns the results an enrolled agent produces. */
export interface ResultOwner {
  agent_id: string;
  school_id: string;
}

/**
 * Collects what one probe run reports. Each `add` is validated against the
 * shared `Measurement` schema at once, so a probe bug (a camelCase field, a
 * NaN) becomes an error of that run instead of a result the collector would
 * reject later, or a crash. After {@link close}, late adds from a probe that
 * ignored its abort signal are dropped.
 */
export class MeasurementAccumulator implements Accumulator {
  /** The probe whose run this collects, for error messages. */
  readonly probe: string;
  readonly #now: () => Date;
  readonly #measurements: Measurement[] = [];
  readonly #errors: Error[] = [];
  #closed = false;

  constructor(probe: string, now: () => Date = () => new Date()) {
    this.probe = probe;
    this.#now = now;
  }

  /** Records one measurement after validating it. */
  add(measurement: string, fields: Fields, tags: Tags = {}, at?: Date): void {
    if (this.#closed) return;
    let candidate: unknown;
    try {
      candidate = { measurement, fields, tags, at: (at ?? this.#now()).toISOString() };
    } catch (err) {
      // toISOString throws a RangeError on an invalid Date.
      this.#errors.push(this.#invalid(measurement, describeError(err)));
      return;
    }
    const v = measurementValidator.check(candidate);
    if (!v.ok) {
      this.#errors.push(this.#invalid(measurement, formatIssues(v.issues)));
      return;
    }
    // Copy so a probe mutating its objects afterwards cannot change what was recorded.
    this.#measurements.push(structuredClone(v.value));
  }

  /** Records a partial failure of the probe. */
  error(err: Error): void {
    if (this.#closed) return;
    this.#errors.push(err);
  }

  /** Stops accepting adds; what a probe reports after its run ended is dropped. */
  close(): void {
    this.#closed = true;
  }

  /** Valid measurements so far, in the order they were added. */
  get measurements(): readonly Measurement[] {
    return this.#measurements;
  }

  /** Partial failures and invalid measurements so far. */
  get errors(): readonly Error[] {
    return this.#errors;
  }

  #invalid(measurement: string, detail: string): SkolnetError {
    return new SkolnetError(
      ErrorCodes.PROBE_FAILED,
      `probe ${this.probe} reported an invalid measurement "${measurement.slice(0, 64)}": ${detail}`,
    );
  }
}

/**
 * Turns a measurement into a result row for the outbox, with a fresh
 * UUIDv7. Returns the validation error instead of throwing, so the caller
 * can log it and keep the rest (an over-long agent id would fail here).
 */
export function toResult(
  m: Measurement,
  owner: ResultOwner,
): { ok: true; result: Result } | { ok: false; error: SkolnetError } {
  const candidate = {
    id: uuidv7(),
    agent_id: owner.agent_id,
    school_id: owner.school_id,
    measurement: m.measurement,
    fields: m.fields,
    tags: m.tags,
    at: m.at,
  };
  const v = resultValidator.check(candidate);
  if (!v.ok) {
    return {
      ok: false,
      error: new SkolnetError(
        ErrorCodes.PROBE_FAILED,
        `result of "${m.measurement}" is invalid: ${formatIssues(v.issues)}`,
      ),
    };
  }
  return { ok: true, result: v.value };
}

const NAME = new RegExp(NAME_PATTERN);

/**
 * The measurement `assess` reports for a probe that failed as a whole:
 * named after the probe, with `result: "error"` and the error message.
 */
export function errorMeasurement(probe: string, err: unknown, at: Date): Measurement {
  const name = NAME.test(probe) ? probe : 'probe_error';
  const code = (err as { code?: unknown } | null)?.code;
  const fields: Fields = {
    result: 'error',
    error: describeError(err).slice(0, ResultLimits.maxStringFieldChars),
  };
  if (typeof code === 'string') fields.error_code = code.slice(0, ResultLimits.maxStringFieldChars);
  return {
    measurement: name,
    fields,
    tags: name === probe ? {} : { probe: probe.slice(0, ResultLimits.maxTagValueChars) },
    at: at.toISOString(),
  };
}
