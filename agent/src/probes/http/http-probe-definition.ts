import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { httpOptionSpecs } from './http-options.js';

/**
 * Registry entry of the `http` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const httpProbeDefinition: ProbeDefinition = {
  description: 'TCP connect time and HTTP time to first byte to the collector or a configured URL.',
  needsCollector: false,
  // Every 5 minutes, beside latency: a few small requests.
  defaultIntervalS: 300,
  options: httpOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('http', httpOptionSpecs, options);
    return lazyProbe(async () => new (await import('./http-probe.js')).HttpProbe(ctx, resolved));
  },
};
