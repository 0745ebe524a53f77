import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { ErrorCodes, SkolnetError, timetableValidator, formatIssues } from '@skolnet/shared/core';
import { checkScheduleSettings, type ScheduleFileSettings } from './pushed-config.js';
import { DEFAULT_TIMETABLE } from '../runtime/timetable.js';
import { resolveOptions, type OptionSpecs } from '../probes/options.js';
import type { ProbeDefinition } from '../probes/probe.js';
import { resolveSnmpOptions } from '../probes/snmp/snmp-options.js';

/** Raw options per probe, as `ProbeDefinition.create` takes them. */
export type ConfigProbeSettings = Record<string, Record<string, unknown>>;

/** A loaded agent configuration file. */
export interface AgentConfig {
  /** Options per probe from the `snmp:` and `probes:` sections, validated. */
  probes: ConfigProbeSettings;
  /** Timetable, data budget and busy threshold, validated; a pushed configuration overrides them. */
  schedule: ScheduleFileSettings;
  /** Things the user should fix that do not stop the agent (a file others can read). */
  warnings: string[];
}

/**
 * The top-level keys of the config file, each with its default and
 * description (JSON-Schema-shaped like probe options, so `--help` and the
 * docs can list them). `additionalProperties: false`: any other key is an
 * error naming it.
 */
export const agentConfigKeys = {
  snmp: {
    type: 'object',
    default: {},
    description:
      'Options of the snmp probe: targets (hosts, lists, CIDR ranges), credentials (v2c community or v3 user, tried in order) and every snmp option --help lists.',
  },
  probes: {
    type: 'object',
    default: {},
    description:
      'Options of other probes by probe name, e.g. {latency: {count: 20}}; the same keys as --set.',
  },
  timetable: {
    type: 'object',
    default: DEFAULT_TIMETABLE,
    description:
      "The school's lesson hours: timezone (IANA name), days (ISO weekdays, 1 = Monday), start and end (HH:MM), outside_share (0-1) of heavy tests placed outside them.",
  },
  data_budget_mb: {
    type: 'number',
    default: 10_000,
    description: 'Monthly data budget of heavy tests (throughput, ndt7, bottleneck), in MB; 0 = none.',
  },
  busy_threshold_mbps: {
    type: 'number',
    default: 20,
    description: 'A heavy test waits while other traffic on the line is above this, in Mbit/s.',
  },
} as const;

/** Largest config file read, in bytes: a config is a page of YAML, not a data set. */
const MAX_CONFIG_BYTES = 1024 * 1024;

const require = createRequire(import.meta.url);
/**
 * The YAML parser, loaded on the first config file read rather than with
 * this module: an agent started without `--config` never needs it, and it
 * would otherwise stay in memory for the agent's whole life.
 */
function parseYaml(text: string, options: Yaml.ToJSOptions): unknown {
  // logLevel 'error': the parser's warnings (an unknown tag, say) would go
  // to process warnings on stderr, quoting the line, which may hold an
  // SNMP community or key.
  return (require('yaml') as typeof Yaml).parse(text, { ...options, logLevel: 'error' });
}

function invalid(message: string): never {
  throw new SkolnetError(ErrorCodes.CONFIG_INVALID, message);
}

/**
 * Parses and validates the text of a config file: its probe options.
 * @param source the file name, for messages
 * @throws SkolnetError `CONFIG_INVALID` naming the key and what was expected
 */
export function parseAgentConfig(
  text: string,
  registry: Readonly<Record<string, ProbeDefinition>>,
  source = 'config',
): ConfigProbeSettings {
  return parseAgentConfigDocument(text, registry, source).probes;
}

/**
 * Parses and validates the text of a config file: probe options and
 * schedule settings.
 * @throws SkolnetError `CONFIG_INVALID` naming the key and what was expected
 */
export function parseAgentConfigDocument(
  text: string,
  registry: Readonly<Record<string, ProbeDefinition>>,
  source = 'config',
): { probes: ConfigProbeSettings; schedule: ScheduleFileSettings } {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    // YAML messages quote the offending line, which may hold a key: keep only the position.
    const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `${source}: not valid YAML${pos ? ` (line ${pos.line}, column ${pos.col})` : ''}`,
    );
  }
  if (doc === null || doc === undefined) return { probes: {}, schedule: {} };
  if (typeof doc !== 'object' || Array.isArray(doc))
    invalid(`${source}: expected a mapping of settings at the top level`);
  const top = doc as Record<string, unknown>;
  for (const key of Object.keys(top)) {
    if (!Object.hasOwn(agentConfigKeys, key))
      invalid(`${source}: unknown key "${key}" (keys: ${Object.keys(agentConfigKeys).join(', ')})`);
  }
  const out: ConfigProbeSettings = {};
  const probes = top.probes ?? {};
  if (typeof probes !== 'object' || probes === null || Array.isArray(probes))
    invalid(`${source}: probes: expected a mapping of probe name to options`);
  for (const [name, raw] of Object.entries(probes as Record<string, unknown>)) {
    const def = registry[name];
    if (!def)
      invalid(`${source}: probes.${name}: unknown probe (probes: ${Object.keys(registry).join(', ')})`);
    if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw)))
      invalid(`${source}: probes.${name}: expected a mapping of options`);
    const values = (raw ?? {}) as Record<string, unknown>;
    try {
      if (name === 'snmp') resolveSnmpOptions(values, 'probes.snmp');
      else resolveOptions(name, (def.options ?? {}) as OptionSpecs<Record<string, unknown>>, values);
    } catch (err) {
      throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${source}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    out[name] = { ...values };
  }
  if (top.snmp !== undefined && top.snmp !== null) {
    if (!registry.snmp) invalid(`${source}: snmp: this agent has no snmp probe`);
    try {
      resolveSnmpOptions(top.snmp, 'snmp');
    } catch (err) {
      throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${source}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    // The `snmp:` section wins over `probes.snmp` key by key.
    out.snmp = { ...(out.snmp ?? {}), ...(top.snmp as Record<string, unknown>) };
  }
  return { probes: out, schedule: parseScheduleKeys(top, source) };
}

function parseScheduleKeys(top: Record<string, unknown>, source: string): ScheduleFileSettings {
  const schedule: ScheduleFileSettings = {};
  if (top.timetable !== undefined && top.timetable !== null) {
    const v = timetableValidator.check(top.timetable);
    if (!v.ok) invalid(`${source}: timetable: ${formatIssues(v.issues)}`);
    schedule.timetable = v.value;
  }
  for (const key of ['data_budget_mb', 'busy_threshold_mbps'] as const) {
    const value = top[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number')
      invalid(`${source}: ${key}: expected a number, got ${JSON.stringify(value)}`);
    schedule[key] = value;
  }
  checkScheduleSettings(schedule, source);
  return schedule;
}

/**
 * Why a config file's permissions are unsafe, or undefined. The file holds
 * SNMP communities and keys, so only its owner should read it.
 */
export function permissionWarning(
  file: string,
  mode: number,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  // Windows has no POSIX mode bits; its ACLs are out of reach here.
  if (platform === 'win32') return undefined;
  if ((mode & 0o077) === 0) return undefined;
  return `config file ${file} is readable by other users (mode ${(mode & 0o777).toString(8).padStart(3, '0')}) and may hold SNMP credentials: run chmod 600 ${file}`;
}

/**
 * Reads, parses and validates an agent config file.
 * @throws SkolnetError `CONFIG_INVALID` when the file is missing, too big or invalid
 */
export function loadAgentConfig(
  file: string,
  registry: Readonly<Record<string, ProbeDefinition>>,
): AgentConfig {
  let text: string;
  let mode: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) invalid(`${file}: not a file`);
    if (st.size > MAX_CONFIG_BYTES) invalid(`${file}: larger than ${MAX_CONFIG_BYTES} bytes`);
    mode = st.mode;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof SkolnetError) throw err;
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `cannot read config file ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const warnings: string[] = [];
  const warning = permissionWarning(file, mode);
  if (warning) warnings.push(warning);
  return { ...parseAgentConfigDocument(text, registry, file), warnings };
}

/**
 * Settings for the selected probes: the config file's, with `--set` values
 * on top key by key. Probes that are not selected are left out, so a config
 * shared by several commands works with `--only`.
 */
export function mergeProbeSettings(
  names: readonly string[],
  fromConfig: ConfigProbeSettings,
  fromCli: Readonly<Record<string, Record<string, unknown>>>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const merged = { ...(fromConfig[name] ?? {}), ...(fromCli[name] ?? {}) };
    if (Object.keys(merged).length > 0) out[name] = merged;
  }
  return out;
}

/**
 * What `assess` and `run` do with `--config FILE`: load it (warning through
 * `warn` when others can read it) and lay the `--set` values over it. With
 * no file, the `--set` values alone.
 * @throws SkolnetError `CONFIG_INVALID` naming the bad key
 */
export function settingsWithConfig(
  file: string | undefined,
  names: readonly string[],
  fromCli: Readonly<Record<string, Record<string, unknown>>>,
  registry: Readonly<Record<string, ProbeDefinition>>,
  warn: (message: string) => void,
): Record<string, Record<string, unknown>> {
  if (file === undefined) return mergeProbeSettings(names, {}, fromCli);
  const config = loadAgentConfig(file, registry);
  for (const w of config.warnings) warn(w);
  return mergeProbeSettings(names, config.probes, fromCli);
}
