import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import {
  extractFiguresFromRollups,
  percentile,
  SCORING_MEASUREMENTS,
  type InternalNetworkFacts,
} from '../scoring/school-score.js';
import type { ScoringConfig } from '../scoring/score-config.js';
import { loadSchoolCoverage } from '../routes/coverage-plugin.js';
import type { SchoolRow, Store } from '../storage/store.js';
import type { PlanSchool, SchoolInventory, SupportAggregates } from './options.js';

/**
 * Planning inputs beside the measurements: each school's inventory (line,
 * rooms, Wi-Fi coverage, SNMP facts) and pupil-support aggregates. Until
 * the SNMP and Wi-Fi probes and the support records feed the store
 * directly, these are kept as one JSON document in the store's meta table
 * under {@link PLANNING_INPUTS_META_KEY} (the demo seed writes it).
 */

/** Meta key of the planning inputs document. */
export const PLANNING_INPUTS_META_KEY = 'planning_inputs.v1';

/** One school's planning inputs. */
export interface SchoolPlanningInput {
  school_id: string;
  /** True for generated demo data. */
  synthetic?: boolean;
  inventory?: SchoolInventory;
  /** Counts per school only; never anything about one pupil. */
  support?: SupportAggregates;
}

/** The planning inputs document. */
export interface PlanningInputs {
  version: 1;
  /** True when the whole document is generated demo data. */
  synthetic?: boolean;
  schools: SchoolPlanningInput[];
}

/** Validates a parsed planning-inputs document (shape only; numbers must be finite and >= 0). */
export function parsePlanningInputs(value: unknown): PlanningInputs {
  const doc = value as Partial<PlanningInputs>;
  const fail = (key: string, expected: string): never => {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `planning inputs: ${key}: expected ${expected}`);
  };
  if (typeof value !== 'object' || value === null || doc.version !== 1) fail('version', '1');
  if (!Array.isArray(doc.schools)) fail('schools', 'a list');
  (doc.schools as unknown[]).forEach((s, i) => {
    const school = s as Partial<SchoolPlanningInput>;
    if (typeof school?.school_id !== 'string') fail(`schools[${i}].school_id`, 'a string');
    const check = (o: unknown, key: string): void => {
      if (o === undefined) return;
      if (typeof o !== 'object' || o === null) fail(key, 'an object');
      for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
        if (typeof v === 'number' && !(Number.isFinite(v) && v >= 0)) fail(`${key}.${k}`, 'a number >= 0');
        if (typeof v === 'object' && v !== null) check(v, `${key}.${k}`);
      }
    };
    check(school.inventory, `schools[${i}].inventory`);
    check(school.support, `schools[${i}].support`);
  });
  return value as PlanningInputs;
}

/** The stored planning inputs by school id (empty when none are stored). */
export async function loadPlanningInputs(store: Store): Promise<Map<string, SchoolPlanningInput>> {
  const text = await store.getMeta(PLANNING_INPUTS_META_KEY);
  if (text === undefined) return new Map();
  const doc = parsePlanningInputs(JSON.parse(text));
  return new Map(doc.schools.map((s) => [s.school_id, s]));
}

/** Wi-Fi share and internal facts a school's score takes from its planning inputs. */
export function scoringFacts(input: SchoolPlanningInput | undefined): {
  wifi_coverage_share?: number;
  internal?: InternalNetworkFacts;
} {
  const inv = input?.inventory;
  return {
    ...(inv?.wifi_coverage_share === undefined ? {} : { wifi_coverage_share: inv.wifi_coverage_share }),
    ...(inv?.internal === undefined ? {} : { internal: inv.internal }),
  };
}

/** SNMP results that carry network-wide facts (agent/src/probes/snmp/README.md). */
const SNMP_NETWORK_MEASUREMENT = 'snmp_network';

/**
 * A school's planning input with what its own agents measured laid over
 * it; a measurement wins over a figure entered by hand or seeded.
 *
 * - Wi-Fi survey (docs/wifi.md): coverage share of teaching rooms; rooms
 *   not fully covered (half-covered ones included) count as uncovered rooms
 *   for the access-point options; co-channel overlap is a configuration fault.
 * - SNMP (`snmp_network`, newest sweep): switch and access-point counts,
 *   and the uplink's p95 utilisation (the busier direction of each sweep)
 *   over the scoring window.
 */
export async function withMeasuredInventory(
  store: Store,
  schoolId: string,
  input: SchoolPlanningInput | undefined,
  now: Date,
  since: Date,
): Promise<SchoolPlanningInput | undefined> {
  const inventory: SchoolInventory = { ...input?.inventory };
  const internal: InternalNetworkFacts = { ...inventory.internal };
  let measured = false;

  const coverage = await loadSchoolCoverage(store, schoolId, now);
  if (coverage.teaching_rooms_covered_pct !== null) {
    const teaching = coverage.rooms.filter((r) => r.teaching);
    inventory.teaching_rooms = teaching.length;
    inventory.uncovered_rooms = teaching.filter((r) => r.verdict !== 'covered').length;
    inventory.wifi_coverage_share = coverage.teaching_rooms_covered_pct / 100;
    internal.overlapping_channels = coverage.flags.includes('co_channel_overlap');
    measured = true;
  }

  const sweeps = (await store.resultsForScoring(schoolId, since, [SNMP_NETWORK_MEASUREMENT])).filter(
    (r) => r.fields.result === 'ok',
  );
  const newest = sweeps.reduce<(typeof sweeps)[number] | undefined>(
    (a, r) => (!a || r.at > a.at ? r : a),
    undefined,
  );
  if (newest) {
    const count = (v: unknown): number | undefined => (typeof v === 'number' && v >= 0 ? v : undefined);
    const switches = count(newest.fields.switches_count);
    const aps = count(newest.fields.access_points_count);
    if (switches !== undefined) internal.switches_total = switches;
    if (aps !== undefined) internal.aps_total = aps;
    const utilisation = sweeps
      .map((r) => Math.max(Number(r.fields.uplink_in_util_pct), Number(r.fields.uplink_out_util_pct)))
      .filter((v) => Number.isFinite(v));
    if (utilisation.length > 0) internal.uplink_utilisation_p95_pct = percentile(utilisation, 95);
    measured = true;
  }

  if (!measured) return input;
  return { ...input, school_id: schoolId, inventory: { ...inventory, internal } };
}

/** Every school of the store as the planner sees it, with figures over the scoring window ending at `now`. */
export async function loadPlanSchools(
  store: Store,
  scoring: ScoringConfig,
  now: Date,
): Promise<PlanSchool[]> {
  const inputs = await loadPlanningInputs(store);
  const since = new Date(now.getTime() - scoring.window_days * 86_400_000);
  const out: PlanSchool[] = [];
  for (const school of await store.listSchools()) {
    const input = await withMeasuredInventory(store, school.id, inputs.get(school.id), now, since);
    out.push(await planSchool(store, school, input, scoring, since));
  }
  return out;
}

async function planSchool(
  store: Store,
  school: SchoolRow,
  input: SchoolPlanningInput | undefined,
  scoring: ScoringConfig,
  since: Date,
): Promise<PlanSchool> {
  // The same hourly rollups as the school's score, so plan and score agree.
  const rollups = await store.hourlyRollups({
    schoolId: school.id,
    since,
    measurements: SCORING_MEASUREMENTS,
  });
  return {
    id: school.id,
    name: school.name,
    municipality: school.municipality,
    pupils: school.pupils,
    figures: extractFiguresFromRollups(rollups, scoring),
    ...(input?.inventory ? { inventory: input.inventory } : {}),
    ...(input?.support ? { support: input.support } : {}),
    ...(input?.synthetic ? { synthetic: true } : {}),
  };
}
