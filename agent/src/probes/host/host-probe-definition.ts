import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { hostOptionSpecs } from './host-options.js';

/**
 * Registry entry of the `host` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const hostProbeDefinition: ProbeDefinition = {
  description: 'Inventory of this machine: OS, hardware, memory, network interfaces and battery.',
  needsCollector: false,
  // Daily: hardware and OS change rarely, and a reboot shows in uptime_s anyway.
  defaultIntervalS: 86_400,
  options: hostOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('host', hostOptionSpecs, options);
    return lazyProbe(async () => new (await import('./host-probe.js')).HostProbe(ctx, resolved));
  },
};
