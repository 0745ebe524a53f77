import type { Fields, Tags } from '@skolnet/shared/core';
import type { Accumulator } from './probe.js';

/** One measurement as a probe added it. */
export interface AddedMeasurement {
  measurement: string;
  fields: Fields;
  tags: Tags;
  at: Date;
}

/**
 * An {@link Accumulator} that keeps everything in memory, in the order
 * added: for tests, and for one-shot runs that print what they measured.
 */
export class MemoryAccumulator implements Accumulator {
  /** Measurements in the order they were added. */
  readonly measurements: AddedMeasurement[] = [];
  /** Errors in the order they were reported. */
  readonly errors: Error[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** Keeps one measurement; `at` defaults to the injected clock. */
  add(measurement: string, fields: Fields, tags: Tags = {}, at?: Date): void {
    this.measurements.push({ measurement, fields, tags, at: at ?? this.now() });
  }

  /** Keeps one error. */
  error(err: Error): void {
    this.errors.push(err);
  }
}
