import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import { resolveOptions, type OptionSpecs } from '../probes/options.js';
import type { ProbeDefinition } from '../probes/probe.js';

/** Raw option values per probe, as `ProbeDefinition.create` takes them. */
export type ProbeSettings = Record<string, Record<string, unknown>>;

/**
 * Parses repeated `--set PROBE.OPTION=VALUE` arguments into per-probe
 * option objects. Values are converted by the option's declared type (so
 * `latency.count=20` is a number and `host.include_virtual=true` a
 * boolean); range checks stay with the probe's own `resolveOptions`, which
 * names the key in its error.
 */
export function parseProbeSettings(
  args: readonly string[],
  registry: Readonly<Record<string, ProbeDefinition>>,
): ProbeSettings {
  const settings: ProbeSettings = {};
  for (const arg of args) {
    const m = /^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)=(.*)$/s.exec(arg);
    if (!m) throw bad(`--set "${arg}": expected PROBE.OPTION=VALUE, e.g. latency.count=20`);
    const [, probe = '', key = '', text = ''] = m;
    const def = registry[probe];
    if (!def)
      throw bad(`--set "${arg}": unknown probe "${probe}" (probes: ${Object.keys(registry).join(', ')})`);
    const spec = def.options?.[key];
    if (!spec) {
      const known = Object.keys(def.options ?? {});
      throw bad(
        `--set "${arg}": probe ${probe} has no option "${key}"${known.length ? ` (options: ${known.join(', ')})` : ''}`,
      );
    }
    let value: unknown = text;
    if (spec.type === 'number' || spec.type === 'integer') {
      value = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) throw bad(`--set "${arg}": ${probe}.${key} must be a number`);
    } else if (spec.type === 'boolean') {
      if (text !== 'true' && text !== 'false')
        throw bad(`--set "${arg}": ${probe}.${key} must be true or false`);
      value = text === 'true';
    }
    (settings[probe] ??= {})[key] = value;
  }
  return settings;
}

function bad(message: string): SkolnetError {
  return new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, message);
}

/**
 * Checks settings against each probe's own option rules before anything
 * runs, so a bad `--set` value stops the command with exit 2 instead of
 * turning into an error result later. Probes that take no options are
 * built without any, as before.
 */
export function checkProbeSettings(
  names: readonly string[],
  settings: ProbeSettings,
  registry: Readonly<Record<string, ProbeDefinition>>,
): void {
  for (const [probe, values] of Object.entries(settings)) {
    if (!names.includes(probe)) {
      throw bad(`--set names probe "${probe}", which is not selected (selected: ${names.join(', ')})`);
    }
    const spec = registry[probe]?.options;
    if (!spec) continue;
    try {
      // The registry's specs are untyped by design; only the checks matter here.
      resolveOptions(probe, spec as OptionSpecs<Record<string, unknown>>, values);
    } catch (err) {
      throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `--set: ${(err as Error).message}`, { cause: err });
    }
  }
}
