import type { OptionSpecs } from '../options.js';

/** Options of the `throughput` probe. */
export interface ThroughputOptions {
  /** Parallel connections per direction. */
  streams: number;
  /** Length of the measured window of each direction, after the warm-up, in seconds. */
  duration_s: number;
  /** Grace period at the start of each direction that the figure leaves out, in seconds. */
  warmup_s: number;
  /** Most bytes moved per direction, across all streams. */
  max_bytes: number;
  /** How long to wait for the collector to answer or send more data, in seconds. */
  timeout_s: number;
  /** Sample TCP round trips to the collector while each direction saturates the line. */
  loaded_rtt: boolean;
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
    // 10 s measured, as iperf3's default and ndt7's fixed duration: long
    // enough that a queue filling or a bursty shaper averages out.
    default: 10,
    minimum: 0.5,
    maximum: 60,
    description: 'Measured window of each direction after the warm-up, in seconds.',
  },
  warmup_s: {
    type: 'number',
    // 2 s: TCP slow start on a 1 Gbit/s, 50 ms path needs about 1 s to
    // reach the line rate (log2 of the BDP in segments, one RTT each); RFC
    // 6349 §3.3 measures only in equilibrium, so the ramp is left out.
    default: 2,
    minimum: 0,
    maximum: 30,
    description: 'Start of each direction left out of the figure (slow start, queues filling), in seconds.',
  },
  max_bytes: {
    type: 'integer',
    // 400 MB per direction is 12 s at 266 Mbit/s; on faster links the test
    // ends early rather than eating into the school's monthly data budget.
    default: 400_000_000,
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
  loaded_rtt: {
    type: 'boolean',
    default: true,
    description:
      'Sample TCP connect round trips to the collector while each direction runs (latency under load).',
  },
};
