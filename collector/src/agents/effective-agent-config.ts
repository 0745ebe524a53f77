import type { AgentConfig, ProbeConfig } from '@skolnet/shared';

/**
 * The configuration an agent runs: its school's, with the agent's own
 * override laid over it. Per probe, the override's `enabled`, `interval_s`
 * and each of its `options` win; a key the override leaves out keeps the
 * school's value. Undefined when neither exists (nothing to push).
 */
export function effectiveAgentConfig(
  school: AgentConfig | undefined,
  override: AgentConfig | undefined,
): AgentConfig | undefined {
  if (school === undefined) return override;
  if (override === undefined) return school;
  const probes: Record<string, ProbeConfig> = {};
  // Both come from the allow-listed schema, so every name is a pushable probe.
  const schoolProbes = school.probes as Readonly<Record<string, ProbeConfig | undefined>>;
  const overProbes = override.probes as Readonly<Record<string, ProbeConfig | undefined>>;
  for (const name of new Set([...Object.keys(schoolProbes), ...Object.keys(overProbes)])) {
    const base = schoolProbes[name];
    const over = overProbes[name];
    const merged: ProbeConfig = { ...base, ...over };
    if (base?.options !== undefined || over?.options !== undefined) {
      merged.options = { ...base?.options, ...over?.options };
    }
    probes[name] = merged;
  }
  const out: AgentConfig = { probes: probes };
  const timetable = override.timetable ?? school.timetable;
  if (timetable !== undefined) out.timetable = timetable;
  const budget = override.data_budget_mb ?? school.data_budget_mb;
  if (budget !== undefined) out.data_budget_mb = budget;
  const busy = override.busy_threshold_mbps ?? school.busy_threshold_mbps;
  if (busy !== undefined) out.busy_threshold_mbps = busy;
  return out;
}

/**
 * JSON text of a configuration with object keys sorted, so two equal
 * configurations give equal text and an unchanged one does not bump the version.
 */
export function canonicalConfigJson(config: AgentConfig): string {
  return JSON.stringify(config, (_key, value: unknown) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
}
