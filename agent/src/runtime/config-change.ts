import type { EffectiveConfig } from '../config/pushed-config.js';

/**
 * Structural equality of configuration values (what YAML, JSON and the
 * command line give: plain objects, arrays, strings, numbers, booleans,
 * null). Object keys compare as a set, so `{a, b}` equals `{b, a}`: a pushed
 * configuration and the config file may list the same options in another
 * order, and that must not rebuild a probe or replan the timetable.
 * Array order counts (a list of targets is ordered). Numbers compare with
 * `Object.is`, except that 0 and -0 are equal.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameValue(item, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  // An absent key and one set to undefined are the same setting (JSON drops both).
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  for (const key of keys) if (!sameValue(ra[key], rb[key])) return false;
  return true;
}

/** What changes for one running probe when a new configuration takes over. */
export interface ProbeChange {
  /** The new interval, when it changed. */
  intervalMs?: number;
  /** The new enabled flag, when it changed. */
  enabled?: boolean;
  /** True when its options changed, so the probe is built again with them. */
  rebuild: boolean;
}

/** The difference between the configuration in force and the next one. */
export interface ConfigChange {
  /** One entry per running probe the next configuration still has. */
  probes: Map<string, ProbeChange>;
  /** True when the timetable or the busy threshold changed: the scheduler plans again. */
  scheduleChanged: boolean;
}

/**
 * What a pushed configuration changes for the probes in `running`, compared
 * by value ({@link sameValue}), never by serialised text, whose key order
 * depends on how each layer was written. Pure, so the agent's reaction to a
 * push can be tested without a scheduler.
 */
export function configChange(
  current: EffectiveConfig,
  next: EffectiveConfig,
  running: Iterable<string>,
): ConfigChange {
  const probes = new Map<string, ProbeChange>();
  for (const name of running) {
    const before = current.probes[name];
    const after = next.probes[name];
    if (!after) continue;
    const change: ProbeChange = {
      rebuild: before === undefined || !sameValue(before.options, after.options),
    };
    if (after.intervalMs !== before?.intervalMs) change.intervalMs = after.intervalMs;
    if (after.enabled !== before?.enabled) change.enabled = after.enabled;
    probes.set(name, change);
  }
  return { probes, scheduleChanged: !sameValue(current.schedule, next.schedule) };
}
