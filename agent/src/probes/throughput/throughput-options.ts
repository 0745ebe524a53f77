import type { OptionSpecs } from '../options.js';

/** Options of the `throughput` probe. */
export interface ThroughputOptions {
  /** Parallel connections per direction. */
  streams: number;
  /** How long each direction runs, in seconds. */
  duration_s: number;
  /** Most bytes moved per direction, across all streams. */
  max_bytes: number;
  /** How long to wait for the collector to answer or send more data, in seconds. */
  timeout_s: number;
}

/** Specs of {@link ThroughputOptions}, with defaults and the reasons for them. */
export const throughputOptionSpecs: OptionSpecs<ThroughputOptions> = {
  streams: {
    type: 'integer',
    // One TCP connection rarely fills a link with a long round trip (its
    // window limits it); 4 is what speed tests commonly use to saturate a
    // school's link without opening many connections through its NAT.
    default: 4,
    minimum: 1,
    maximum: 16,
    description: 'Parallel connections per direction.',
  },
  duration_s: {
    type: 'number',
    // 8 s: long enough to get past TCP slow start on a link of a few hundred
    // Mbit/s and 50 ms RTT, short enough not to disturb lessons.
    default: 8,
    minimum: 0.5,
    maximum: 60,
    description: 'How long each direction runs, in seconds.',
  },
  max_bytes: {
    type: 'integer',
    // 250 MB per direction is 8 s at 250 Mbit/s; on faster links the test
    // ends early rather than eating into the school's monthly data budget.
    default: 250_000_000,
    minimum: 1_000_000,
    maximum: 16_000_000_000,
    description: 'Most bytes moved per direction across all streams; the test ends early when reached.',
  },
  timeout_s: {
    type: 'number',
    default: 10,
    minimum: 1,
    maximum: 120,
    description:
      'How long to wait for the collector to answer, send more data, or report an upload, in seconds.',
  },
};
