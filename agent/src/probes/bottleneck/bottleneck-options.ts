import type { OptionSpecs } from '../options.js';

/** Options of the `bottleneck` probe. */
export interface BottleneckOptions {
  /** Speed-test endpoint on the school LAN (a second collector, a school server); `''` for none. */
  lan_peer: string;
  /** Gateway address; `''` discovers the default gateway. */
  gateway: string;
  /** TCP port for the gateway's round trips (a refusal answers as fast as an accept). */
  gateway_tcp_port: number;
  /** Parallel connections per download. */
  streams: number;
  /** Measured seconds per download, after the warm-up. */
  duration_s: number;
  /** Warm-up left out of each download, in seconds. */
  warmup_s: number;
  /** Most bytes per download. */
  max_bytes: number;
  /** Connect and idle limit, in seconds. */
  timeout_s: number;
}

/** Specs of {@link BottleneckOptions}, with defaults and the reasons for them. */
export const bottleneckOptionSpecs: OptionSpecs<BottleneckOptions> = {
  lan_peer: {
    type: 'string',
    default: '',
    maxLength: 2048,
    description:
      'Base URL of a speed-test endpoint on the school LAN (a second collector or school server); empty for none.',
  },
  gateway: {
    type: 'string',
    default: '',
    maxLength: 255,
    description: 'Gateway address; empty discovers the default gateway from the routing table.',
  },
  gateway_tcp_port: {
    type: 'integer',
    // 53: routers run a DNS forwarder; a closed port still answers with a RST.
    default: 53,
    minimum: 1,
    maximum: 65_535,
    description: 'TCP port for the gateway round trips; a refused connection still times the round trip.',
  },
  streams: {
    type: 'integer',
    default: 4,
    minimum: 1,
    maximum: 16,
    description: 'Parallel connections per download (LAN and WAN alike, so they compare).',
  },
  duration_s: {
    type: 'number',
    // 5 s: half the throughput probe's, since two downloads run; still
    // far past the warm-up on any school line.
    default: 5,
    minimum: 0.5,
    maximum: 60,
    description: 'Measured seconds per download, after the warm-up.',
  },
  warmup_s: {
    type: 'number',
    default: 1,
    minimum: 0,
    maximum: 30,
    description: 'Start of each download left out of the figure, in seconds.',
  },
  max_bytes: {
    type: 'integer',
    default: 400_000_000,
    minimum: 1_000_000,
    maximum: 16_000_000_000,
    description: 'Most bytes per download; it ends early when reached.',
  },
  timeout_s: {
    type: 'number',
    default: 10,
    minimum: 1,
    maximum: 120,
    description: 'How long to wait for a server to answer or send more data, in seconds.',
  },
};
