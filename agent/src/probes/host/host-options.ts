import type { OptionSpecs } from '../options.js';

/** Options of the `host` probe. */
export interface HostOptions {
  /** Time limit for the whole inventory, in seconds. */
  timeout_s: number;
  /** Whether to report interfaces systeminformation marks virtual. */
  include_virtual: boolean;
}

/** Specs of {@link HostOptions}, with defaults and the reasons for them. */
export const hostOptionSpecs: OptionSpecs<HostOptions> = {
  timeout_s: {
    type: 'integer',
    // On Windows systeminformation starts PowerShell for most calls, which
    // takes seconds on an old school PC; 20 s covers that with room to spare.
    default: 20,
    minimum: 1,
    maximum: 300,
    description: 'Time limit for the whole inventory, in seconds.',
  },
  include_virtual: {
    type: 'boolean',
    // Hypervisor and VPN adapters say nothing about the school's network and
    // can be many on a server; loopback is never reported.
    default: false,
    description: 'Also report interfaces marked virtual (hypervisor, VPN adapters).',
  },
};
