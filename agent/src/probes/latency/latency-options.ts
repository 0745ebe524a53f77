import type { OptionSpecs } from '../options.js';

/** Value of the `gateway` option that leaves the gateway out. */
export const GATEWAY_OFF = 'off';

/** Options of the `latency` probe. */
export interface LatencyOptions {
  /** Echo requests per target. */
  count: number;
  /** Time between echo requests, in seconds; 0 chooses by privilege (see {@link autoIntervalS}). */
  interval_s: number;
  /** How long to wait for each reply, in seconds. */
  timeout_s: number;
  /** Gateway address to ping instead of the discovered default gateway; `''` discovers, `off` skips it. */
  gateway: string;
  /** The ping program, a name on PATH or an absolute path. */
  ping_command: string;
  /** Fall back to TCP connect round trips when ICMP is blocked or ping is missing. */
  tcp_fallback: boolean;
  /** TCP port for the gateway's fallback round trips (a refusal answers as fast as an accept). */
  gateway_tcp_port: number;
}

/**
 * Interval used when `interval_s` is 0, in seconds: 0.02 s (50 a second,
 * 500 requests in 10 s) when the agent runs as root, because iputils lets
 * only root go below 0.2 s; otherwise 0.2 s (500 requests in 100 s).
 */
export function autoIntervalS(privileged: boolean): number {
  return privileged ? ROOT_INTERVAL_S : USER_INTERVAL_S;
}

/** Interval for a privileged ping, in seconds: fast enough for 500 samples in 10 s, gentle on a LAN. */
export const ROOT_INTERVAL_S = 0.02;
/** The shortest interval iputils allows an unprivileged user, in seconds (ping(8), `-i`). */
export const USER_INTERVAL_S = 0.2;

/** Specs of {@link LatencyOptions}, with defaults and the reasons for them. */
export const latencyOptionSpecs: OptionSpecs<LatencyOptions> = {
  count: {
    type: 'integer',
    // 500: the Wilson 95 % interval of a 5 % loss is then 5 ± 1.9 percentage
    // points (half-width z·sqrt(p(1-p)/n) ≈ 1.96·sqrt(0.05·0.95/500) =
    // 0.019), inside the issue's ±2 pp; 460 is the least n that does it. It
    // also gives p95 from 25 samples above it rather than from one.
    default: 500,
    minimum: 1,
    maximum: 10_000,
    description:
      'Echo requests per target. 500 bound the 95 % loss interval to ±2 percentage points at 5 % loss.',
  },
  interval_s: {
    type: 'number',
    // 0 = by privilege: 0.02 s as root (500 requests in 10 s), 0.2 s
    // otherwise, the least iputils allows a user (500 requests in 100 s).
    // Windows ignores it (its ping always waits 1 s).
    default: 0,
    minimum: 0,
    maximum: 10,
    description:
      'Time between echo requests, in seconds; 0 = 0.02 as root, 0.2 (the least unprivileged ping allows) otherwise.',
  },
  timeout_s: {
    type: 'integer',
    // Whole seconds because iputils before 2021 rejects fractions of -W. 1 s
    // is far beyond any healthy RTT (ITU-T G.114 puts the limit for
    // interactive use at 400 ms one way), so a later reply counts as lost.
    default: 1,
    minimum: 1,
    maximum: 10,
    description: 'How long to wait for each reply, in whole seconds; a later reply counts as lost.',
  },
  gateway: {
    type: 'string',
    default: '',
    maxLength: 255,
    description:
      'Address to ping as the gateway instead of the default gateway from the routing table; "off" pings no gateway.',
  },
  ping_command: {
    type: 'string',
    default: 'ping',
    maxLength: 4096,
    description: 'The ping program: a name looked up on PATH, or an absolute path.',
  },
  tcp_fallback: {
    type: 'boolean',
    default: true,
    description:
      'When ping is missing or every echo is lost, time TCP handshakes instead (tag method=tcp says so).',
  },
  gateway_tcp_port: {
    type: 'integer',
    // 53: home and school routers run a DNS forwarder; a closed port still
    // answers with a RST, which times the round trip just as well.
    default: 53,
    minimum: 1,
    maximum: 65_535,
    description: 'TCP port for the gateway fallback; a refused connection still times the round trip.',
  },
};
