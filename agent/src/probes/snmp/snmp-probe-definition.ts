import { lazyProbe } from '../lazy-probe.js';
import type { ProbeDefinition } from '../probe.js';
import { resolveSnmpOptions, snmpOptionSpecs } from './snmp-options.js';

/**
 * Registry entry of the `snmp` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const snmpProbeDefinition: ProbeDefinition = {
  description: 'SNMP discovery and inventory of routers, switches and access points; uplink utilisation',
  needsCollector: false,
  // Hourly: inventory changes rarely, and hourly utilisation samples across
  // a school day show lesson-time saturation.
  defaultIntervalS: 3600,
  options: snmpOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveSnmpOptions(options);
    return lazyProbe(async () => new (await import('./snmp-probe.js')).SnmpProbe(ctx, resolved));
  },
};
