import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { latencyOptionSpecs } from './latency-options.js';

/**
 * Registry entry of the `latency` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const latencyProbeDefinition: ProbeDefinition = {
  description:
    'ICMP round-trip time (p50, p95), jitter and loss with its 95 % interval to the gateway and the collector; TCP fallback.',
  needsCollector: false,
  // Every 5 minutes: 2 targets × 500 echo requests of 84 bytes (84 kB) is
  // negligible traffic, and 12 samples an hour show how a school's link
  // behaves across lessons and breaks.
  defaultIntervalS: 300,
  options: latencyOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('latency', latencyOptionSpecs, options);
    return lazyProbe(async () => new (await import('./latency-probe.js')).LatencyProbe(ctx, resolved));
  },
};
