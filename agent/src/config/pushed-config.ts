import type { ConfigPush, ProbeConfig, Timetable } from '@skolnet/shared/core';
import {
  ErrorCodes,
  PushedConfigLimits,
  SkolnetError,
  configPushValidator,
  formatIssues,
} from '@skolnet/shared/core';
import { resolveOptions, type OptionSpecs } from '../probes/options.js';
import type { ProbeDefinition } from '../probes/probe.js';
import { resolveSnmpOptions } from '../probes/snmp/snmp-options.js';
import { DEFAULT_DATA_BUDGET_MB } from '../runtime/data-budget.js';
import { DEFAULT_BUSY_THRESHOLD_MBPS } from '../runtime/link-load.js';
import { isHeavyProbe, type ScheduleSettings } from '../runtime/school-schedule.js';
import { DEFAULT_TIMETABLE, timetableProblem } from '../runtime/timetable.js';

/** Shortest interval a pushed configuration may set, in s (the shared schema's bound). */
export const MIN_PUSHED_INTERVAL_S = PushedConfigLimits.minIntervalS;
/** Shortest pushed interval of a heavy probe, in s. */
export const MIN_PUSHED_HEAVY_INTERVAL_S = PushedConfigLimits.minHeavyIntervalS;
/** Longest pushed interval, in s. */
export const MAX_PUSHED_INTERVAL_S = PushedConfigLimits.maxIntervalS;
/** Largest budget a push (or the config file) may set, in MB. */
export const MAX_DATA_BUDGET_MB = PushedConfigLimits.maxDataBudgetMb;
/** Largest busy threshold a push (or the config file) may set, in Mbit/s. */
export const MAX_BUSY_THRESHOLD_MBPS = PushedConfigLimits.maxBusyThresholdMbps;

/** Schedule settings from the agent's YAML config file (`timetable`, `data_budget_mb`, `busy_threshold_mbps`). */
export interface ScheduleFileSettings {
  timetable?: Timetable;
  data_budget_mb?: number;
  busy_threshold_mbps?: number;
}

function invalid(message: string): never {
  throw new SkolnetError(ErrorCodes.CONFIG_INVALID, message);
}

/**
 * Checks what the schema cannot say about the schedule settings:
 * the time zone exists, lessons start before they end, the budget and
 * threshold are in range.
 * @param where prefix for messages (`config`, the file name)
 * @throws SkolnetError `CONFIG_INVALID` naming the key
 */
export function checkScheduleSettings(s: ScheduleFileSettings, where: string): void {
  if (s.timetable) {
    const problem = timetableProblem(s.timetable);
    if (problem) invalid(`${where}: ${problem}`);
  }
  const budget = s.data_budget_mb;
  if (budget !== undefined && !(Number.isFinite(budget) && budget >= 0 && budget <= MAX_DATA_BUDGET_MB))
    invalid(`${where}: data_budget_mb: expected a number from 0 to ${MAX_DATA_BUDGET_MB}, got ${budget}`);
  const busy = s.busy_threshold_mbps;
  if (busy !== undefined && !(Number.isFinite(busy) && busy >= 0 && busy <= MAX_BUSY_THRESHOLD_MBPS))
    invalid(
      `${where}: busy_threshold_mbps: expected a number from 0 to ${MAX_BUSY_THRESHOLD_MBPS}, got ${busy}`,
    );
}

/**
 * Validates a pushed configuration completely before anything of it is
 * applied: the shared allow-listed schema (which refuses settings that
 * name programs, files or paths), every probe name against the registry, every
 * option with the probe's own rules (the same as `--set` and the config
 * file), interval bounds, the timetable, budget and threshold.
 * @throws SkolnetError `CONFIG_INVALID` whose message names the first bad key
 */
export function validateConfigPush(
  candidate: unknown,
  registry: Readonly<Record<string, ProbeDefinition>>,
): ConfigPush {
  const v = configPushValidator.check(candidate);
  if (!v.ok) invalid(`config: ${formatIssues(v.issues)}`);
  const push = v.value;
  for (const [name, conf] of Object.entries(push.config.probes)) {
    const def = registry[name];
    if (!def) invalid(`config.probes.${name}: unknown probe (probes: ${Object.keys(registry).join(', ')})`);
    if (conf.interval_s !== undefined) {
      const min = isHeavyProbe(name) ? MIN_PUSHED_HEAVY_INTERVAL_S : MIN_PUSHED_INTERVAL_S;
      if (!(conf.interval_s >= min && conf.interval_s <= MAX_PUSHED_INTERVAL_S))
        invalid(
          `config.probes.${name}.interval_s: expected ${min} to ${MAX_PUSHED_INTERVAL_S} s, got ${conf.interval_s}`,
        );
    }
    if (conf.options !== undefined)
      checkProbeOptions(name, def, conf.options, `config.probes.${name}.options`);
  }
  checkScheduleSettings(push.config, 'config');
  const campaign = push.config.campaign;
  if (campaign !== undefined && Number.isNaN(Date.parse(campaign.ends_at)))
    invalid(`config.campaign.ends_at: expected an ISO 8601 instant, got ${JSON.stringify(campaign.ends_at)}`);
  return push;
}

/** Validates one probe's options with the probe's own rules; throws `CONFIG_INVALID`. */
export function checkProbeOptions(
  name: string,
  def: ProbeDefinition,
  values: Readonly<Record<string, unknown>>,
  where: string,
): void {
  try {
    if (name === 'snmp') resolveSnmpOptions(values, where);
    else resolveOptions(name, (def.options ?? {}) as OptionSpecs<Record<string, unknown>>, values);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${where}: ${(err as Error).message}`, { cause: err });
  }
}

/** The local layers a pushed configuration is laid over. */
export interface LocalLayers {
  registry: Readonly<Record<string, ProbeDefinition>>;
  /** Options from the config file, per probe. */
  fileProbes: Readonly<Record<string, Record<string, unknown>>>;
  /** Schedule settings from the config file. */
  fileSchedule: ScheduleFileSettings;
  /** `--set` values, per probe. */
  cliSettings: Readonly<Record<string, Record<string, unknown>>>;
  /** `--interval` values, in ms. */
  cliIntervals: ReadonlyMap<string, number>;
}

/** One probe's settings in force. */
export interface EffectiveProbe {
  options: Record<string, unknown>;
  intervalMs: number;
  enabled: boolean;
}

/** Everything a configuration decides, with every layer resolved. */
export interface EffectiveConfig {
  probes: Record<string, EffectiveProbe>;
  schedule: ScheduleSettings;
  dataBudgetMb: number;
}

/**
 * The settings in force for `names` when `push` (or nothing) is laid over
 * the local layers. Precedence, highest first: the command line (`--set`,
 * `--interval`), the pushed configuration, the config file, the defaults.
 * Options merge key by key; a pushed configuration replaces the previous
 * push as a whole.
 */
export function effectiveConfig(
  names: readonly string[],
  push: ConfigPush | undefined,
  layers: LocalLayers,
): EffectiveConfig {
  const pushed = push?.config;
  const probes: Record<string, EffectiveProbe> = {};
  for (const name of names) {
    const def = layers.registry[name];
    if (!def) continue;
    // Probe names are checked against the schema's list when the push is validated.
    const conf = (pushed?.probes as Readonly<Record<string, ProbeConfig | undefined>> | undefined)?.[name];
    probes[name] = {
      options: {
        ...(layers.fileProbes[name] ?? {}),
        ...(conf?.options ?? {}),
        ...(layers.cliSettings[name] ?? {}),
      },
      intervalMs:
        layers.cliIntervals.get(name) ??
        (conf?.interval_s !== undefined ? conf.interval_s * 1000 : def.defaultIntervalS * 1000),
      enabled: conf?.enabled ?? true,
    };
  }
  const file = layers.fileSchedule;
  const timetable = pushed?.timetable ?? file.timetable ?? DEFAULT_TIMETABLE;
  return {
    probes,
    schedule: {
      timetable: { ...timetable, days: [...timetable.days] },
      busyThresholdMbps:
        pushed?.busy_threshold_mbps ?? file.busy_threshold_mbps ?? DEFAULT_BUSY_THRESHOLD_MBPS,
      // Only the collector starts a campaign: it is never set locally.
      ...(pushed?.campaign
        ? { campaign: { id: pushed.campaign.id, endsAt: Date.parse(pushed.campaign.ends_at) } }
        : {}),
    },
    dataBudgetMb: pushed?.data_budget_mb ?? file.data_budget_mb ?? DEFAULT_DATA_BUDGET_MB,
  };
}
