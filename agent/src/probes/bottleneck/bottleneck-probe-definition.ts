import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { bottleneckOptionSpecs } from './bottleneck-options.js';

/**
 * Registry entry of the `bottleneck` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const bottleneckProbeDefinition: ProbeDefinition = {
  description:
    'Gateway RTT, LAN and WAN downloads side by side, naming the limiting segment (wifi, lan, internet).',
  needsCollector: true,
  // Daily: the answer changes with upgrades, not by the hour, and two
  // downloads cost data.
  defaultIntervalS: 86_400,
  options: bottleneckOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('bottleneck', bottleneckOptionSpecs, options);
    return lazyProbe(async () => new (await import('./bottleneck-probe.js')).BottleneckProbe(ctx, resolved));
  },
};
