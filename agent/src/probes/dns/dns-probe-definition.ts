import { lazyProbe } from '../lazy-probe.js';
import { resolveOptions } from '../options.js';
import type { ProbeDefinition } from '../probe.js';
import { dnsOptionSpecs } from './dns-options.js';

/**
 * Registry entry of the `dns` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const dnsProbeDefinition: ProbeDefinition = {
  description: 'DNS resolution time through the system resolver and configured resolvers.',
  needsCollector: false,
  // Every 15 minutes: a few small UDP packets, enough to catch a resolver
  // that slows down in lesson hours.
  defaultIntervalS: 900,
  options: dnsOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveOptions('dns', dnsOptionSpecs, options);
    return lazyProbe(async () => new (await import('./dns-probe.js')).DnsProbe(ctx, resolved));
  },
};
