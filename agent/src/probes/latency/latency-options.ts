import type { OptionSpecs } from '../options.js';

/** Value of the `gateway` option that leaves the gateway out. */
export const GATEWAY_OFF = 'off';

/** Options of the `latency` probe. */
export interface LatencyOptions {
  /** Echo requests per target. */
  count: number;
  /** Time between echo requests, in seconds. */
  interval_s: number;
  /** How long to wait for each reply, in seconds. */
  timeout_s: number;
  /** Gateway address to ping instead of the discovered default gateway; `''` discovers, `off` skips it. */
  gateway: string;
  /** The ping program, a name on PATH or an absolute path. */
  ping_command: string;
}

/** Specs of {@link LatencyOptions}, with defaults and the reasons for them. */
export const latencyOptionSpecs: OptionSpecs<LatencyOptions> = {
  count: {
    type: 'integer',
    default: 10,
    minimum: 1,
    maximum: 100,
    description:
      'Echo requests per target. 10 resolve loss in 10 % steps and give 9 differences for jitter, in 2 s.',
  },
  interval_s: {
    type: 'number',
    // 0.2 s is the shortest interval iputils allows an unprivileged user, so
    // the probe behaves the same with or without root; 10 requests then take
    // about 2 s. Windows ignores it (its ping always waits 1 s).
    default: 0.2,
    minimum: 0.2,
    maximum: 10,
    description: 'Time between echo requests, in seconds. 0.2 is the least unprivileged ping allows.',
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
};
