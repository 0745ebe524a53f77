import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { throughputOptionSpecs } from './throughput-options.js';

/**
 * Registry entry of the `throughput` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const throughputProbeDefinition: ProbeDefinition = {
  description: 'Download and upload throughput to the collector over parallel HTTP streams, with loaded RTT.',
  needsCollector: true,
  // Every 6 hours: morning, midday, afternoon and night each get a sample,
  // and at most 4 × 2 × max_bytes a day count against the data budget.
  defaultIntervalS: 21_600,
  options: throughputOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('throughput', throughputOptionSpecs, options);
    return lazyProbe(async () => new (await import('./throughput-probe.js')).ThroughputProbe(ctx, resolved));
  },
};
