import { Type, type Static } from '@sinclair/typebox';
import { percentile, type Fields } from '@skolnet/shared';
import { createConfigCheck } from '../config-check.js';
import type { SchoolCoverage } from '../coverage/coverage-analysis.js';
import type { InternalNetworkFacts, ScoreFigures } from '../scoring/school-score.js';
import type { SchoolRow } from '../storage/store.js';
import type { SupportAggregatesReport } from '../support/support-aggregates.js';
import type { PlanSchool, SchoolInventory, SupportAggregates } from './options.js';

/**
 * Planning inputs beside the measurements: each school's inventory (line,
 * rooms, Wi-Fi coverage, SNMP facts) and pupil-support aggregates. Pure:
 * the school service (`services/school-service.ts`) reads the store. Until
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

const strict = { additionalProperties: false } as const;
const Count = Type.Number({ minimum: 0 });

/** SNMP facts of a school's internal network (`InternalNetworkFacts`). */
const InternalFactsSchema = Type.Object(
  {
    switches_total: Type.Optional(Count),
    switches_100m: Type.Optional(Count),
    switches_without_poe: Type.Optional(Count),
    uplink_utilisation_p95_pct: Type.Optional(Count),
    duplex_mismatches: Type.Optional(Count),
    aps_total: Type.Optional(Count),
    aps_24ghz_only: Type.Optional(Count),
    ssid_24ghz_only: Type.Optional(Type.Boolean()),
    overlapping_channels: Type.Optional(Type.Boolean()),
  },
  strict,
);

/**
 * The planning-inputs document's shape: every key of each school's
 * inventory and support aggregates, numbers finite and >= 0, shares 0-1.
 */
export const PlanningInputsSchema = Type.Object(
  {
    version: Type.Literal(1),
    synthetic: Type.Optional(Type.Boolean()),
    schools: Type.Array(
      Type.Object(
        {
          school_id: Type.String(),
          synthetic: Type.Optional(Type.Boolean()),
          inventory: Type.Optional(
            Type.Object(
              {
                line: Type.Optional(
                  Type.Object(
                    {
                      technology: Type.String(),
                      down_mbps: Type.Optional(Count),
                      fibre_distance_m: Type.Optional(Count),
                    },
                    strict,
                  ),
                ),
                limiting_segment: Type.Optional(Type.String()),
                teaching_rooms: Type.Optional(Count),
                uncovered_rooms: Type.Optional(Count),
                wifi_coverage_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
                internal: Type.Optional(InternalFactsSchema),
              },
              strict,
            ),
          ),
          support: Type.Optional(
            Type.Object(
              { pupils_vulnerable: Type.Optional(Count), pupils_support_plan: Type.Optional(Count) },
              strict,
            ),
          ),
        },
        strict,
      ),
    ),
  },
  strict,
);

// The schema's type is the interfaces': a key they gain and the schema lacks fails here.
const _schemaMatchesInterface = (v: Static<typeof PlanningInputsSchema>): PlanningInputs => v;

/** Checks a parsed planning-inputs document against {@link PlanningInputsSchema}; errors name the key. */
export const parsePlanningInputs: (value: unknown) => PlanningInputs = createConfigCheck(
  PlanningInputsSchema,
  'planning inputs',
);

/** A stored planning-inputs document (JSON text) by school id. */
export function planningInputsById(text: string | undefined): Map<string, SchoolPlanningInput> {
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
export const SNMP_NETWORK_MEASUREMENT = 'snmp_network';

/** The bottleneck probe's results (agent/src/probes/bottleneck/README.md): which segment limits the school. */
export const BOTTLENECK_MEASUREMENT = 'bottleneck';

/**
 * A school's planning input with what its own agents measured laid over
 * it; a measurement wins over a figure entered by hand or seeded.
 *
 * - Wi-Fi survey (docs/wifi.md): coverage share of teaching rooms; rooms
 *   not fully covered (half-covered ones included) count as uncovered rooms
 *   for the access-point options; co-channel overlap is a configuration fault.
 * - SNMP (`snmp_network` results of the scoring window, `sweeps`): switch and
 *   access-point counts of the newest sweep, and the uplink's p95 utilisation
 *   (the busier direction of each sweep).
 */
export function withMeasurements(
  schoolId: string,
  input: SchoolPlanningInput | undefined,
  coverage: SchoolCoverage,
  sweeps: readonly { at: string; fields: Fields }[],
  bottlenecks: readonly { at: string; fields: Fields }[] = [],
): SchoolPlanningInput | undefined {
  const inventory: SchoolInventory = { ...input?.inventory };
  const internal: InternalNetworkFacts = { ...inventory.internal };
  let measured = false;

  if (coverage.teaching_rooms_covered_pct !== null) {
    const teaching = coverage.rooms.filter((r) => r.teaching);
    inventory.teaching_rooms = teaching.length;
    inventory.uncovered_rooms = teaching.filter((r) => r.verdict !== 'covered').length;
    inventory.wifi_coverage_share = coverage.teaching_rooms_covered_pct / 100;
    internal.overlapping_channels = coverage.flags.includes('co_channel_overlap');
    measured = true;
  }

  const ok = sweeps.filter((r) => r.fields.result === 'ok');
  const newest = ok.reduce<(typeof ok)[number] | undefined>((a, r) => (!a || r.at > a.at ? r : a), undefined);
  if (newest) {
    const count = (v: unknown): number | undefined => (typeof v === 'number' && v >= 0 ? v : undefined);
    const switches = count(newest.fields.switches_count);
    const aps = count(newest.fields.access_points_count);
    if (switches !== undefined) internal.switches_total = switches;
    if (aps !== undefined) internal.aps_total = aps;
    const utilisation = ok
      .map((r) => Math.max(Number(r.fields.uplink_in_util_pct), Number(r.fields.uplink_out_util_pct)))
      .filter((v) => Number.isFinite(v));
    if (utilisation.length > 0) internal.uplink_utilisation_p95_pct = percentile(utilisation, 95);
    measured = true;
  }

  // The newest verdict of the bottleneck probe that found a segment.
  const verdicts = bottlenecks.filter(
    (r) => r.fields.result === 'success' && typeof r.fields.limiting_segment === 'string',
  );
  const newestVerdict = verdicts.reduce<(typeof verdicts)[number] | undefined>(
    (a, r) => (!a || r.at > a.at ? r : a),
    undefined,
  );
  if (newestVerdict) {
    inventory.limiting_segment = newestVerdict.fields.limiting_segment as string;
    measured = true;
  }

  if (!measured) return input;
  return { ...input, school_id: schoolId, inventory: { ...inventory, internal } };
}

/** A school as the planner sees it: its figures from the scoring window and its (measured) inputs. */
export function planSchool(
  school: SchoolRow,
  figures: ScoreFigures,
  input: SchoolPlanningInput | undefined,
  throughputDays?: number,
): PlanSchool {
  return {
    id: school.id,
    name: school.name,
    municipality: school.municipality,
    pupils: school.pupils,
    figures,
    ...(input?.inventory ? { inventory: input.inventory } : {}),
    ...(input?.support ? { support: input.support } : {}),
    ...(input?.synthetic ? { synthetic: true } : {}),
    ...(throughputDays === undefined ? {} : { throughput_school_days: throughputDays }),
  };
}

// ---- Pupil-support records (issue 18): the one addition for the support aggregates. ----

/**
 * Planning inputs with the pupil-support records laid over the planning
 * inputs document: for a school with records, its published count of
 * pupils with an active plan (`support/support-aggregates.ts`; five or
 * more, never a suppressed one) replaces `support.pupils_support_plan`.
 * Everything else, and every school without records or with its count
 * suppressed, keeps what the document says (the fallback).
 */
export function withSupportRecords(
  inputs: ReadonlyMap<string, SchoolPlanningInput>,
  report: SupportAggregatesReport,
): Map<string, SchoolPlanningInput> {
  const out = new Map(inputs);
  for (const school of report.schools) {
    if (school.pupils_active_plan === null) continue;
    const input = out.get(school.school_id);
    const support: SupportAggregates = { ...input?.support, pupils_support_plan: school.pupils_active_plan };
    out.set(school.school_id, { ...input, school_id: school.school_id, support });
  }
  return out;
}
