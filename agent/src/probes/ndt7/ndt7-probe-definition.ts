import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { ndt7OptionSpecs } from './ndt7-options.js';

/**
 * Registry entry of the `ndt7` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const ndt7ProbeDefinition: ProbeDefinition = {
  description: 'M-Lab ndt7 download and upload (WebSocket) against the collector or any ndt7 server.',
  needsCollector: false,
  // Daily: a cross-check of the throughput probe against a public method,
  // not the main figure; one stream for 2 × 10 s.
  defaultIntervalS: 86_400,
  options: ndt7OptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('ndt7', ndt7OptionSpecs, options);
    return lazyProbe(async () => new (await import('./ndt7-probe.js')).Ndt7Probe(ctx, resolved));
  },
};
