import { lazyProbe } from '../lazy-probe.js';
import type { ProbeDefinition } from '../probe.js';
import { resolveWifiOptions, wifiOptionSpecs } from './wifi-options.js';

/**
 * Registry entry of the `wifi` probe. Cheap to import: the description,
 * interval and option specs are here, and `create` checks the options at
 * once; the probe itself (and what it imports) loads on its first run.
 */
export const wifiProbeDefinition: ProbeDefinition = {
  description: 'Wi-Fi connection (signal, channel, rate) and visible networks, tagged with the room.',
  needsCollector: false,
  // Hourly: a lab PC or laptop then adds a school day's worth of samples
  // (8 or so) per room, enough for the weakest-10 % figure, and an active
  // scan (a few seconds off-channel) stays rare during lessons.
  defaultIntervalS: 3600,
  options: wifiOptionSpecs,
  create: (ctx, options) => {
    const resolved = resolveWifiOptions(options);
    return lazyProbe(async () => new (await import('./wifi-probe.js')).WifiProbe(ctx, resolved));
  },
};
