import { median, type Band, type SchoolType } from '@skolnet/shared';
import { MUNICIPALITIES, type MunicipalityKind } from '../schools/municipalities.js';
import type { Plan } from '../planning/plan.js';
import type { PlanService } from './plan-service.js';
import type { SchoolService, SchoolSnapshot } from './school-service.js';

/**
 * A school's median download below this counts as slow in the overview,
 * Mbit/s. The threshold the ministry's national overview reports
 * (issue 17: "share of schools under 20 Mbit/s"); the school's whole
 * line, not per pupil, so it reads as the contract speed people know.
 */
export const SLOW_BELOW_MBPS = 20;

/** One school as the national overview shows it. */
export interface OverviewSchool {
  id: string;
  name: string;
  municipality: string;
  pupils: number;
  score: number | null;
  band: Band;
  /** How much data stands behind the score (docs/methodology.md). */
  confidence: 'high' | 'medium' | 'low' | 'none';
  /** Median download of the scoring window, Mbit/s; null without throughput results. */
  download_mbps: number | null;
  /** WGS84 degrees from the school register; null until it gives them. */
  lat: number | null;
  lon: number | null;
  school_type: SchoolType | null;
  /** EUR the plan at the overview's budget spends on this school (0: not funded). */
  planned_eur: number;
}

/** One municipality's line of the overview. */
export interface OverviewMunicipality {
  name: string;
  /** `state_city` or `novads`; null for a name outside the 42 (old data). */
  kind: MunicipalityKind | null;
  schools: number;
  pupils: number;
  /** Median of the scored schools' scores; null when none is scored. */
  median_score: number | null;
  /** Schools with a download figure. */
  measured_schools: number;
  /** Share (0-1) of measured schools below {@link SLOW_BELOW_MBPS}; null when none is measured. */
  slow_share: number | null;
  /** EUR the plan at the overview's budget spends in the municipality. */
  planned_eur: number;
}

/** `GET /api/v1/overview`. */
export interface Overview {
  /** The plan's budget behind `planned_eur`, EUR. */
  budget_eur: number;
  slow_below_mbps: number;
  /** True when any school is synthetic demo data. */
  synthetic: boolean;
  schools: OverviewSchool[];
  /** Every one of the 42 municipalities (schools or not), then any other name schools carry. */
  municipalities: OverviewMunicipality[];
}

/**
 * The national overview from a read-model snapshot and the plan at one
 * budget (undefined when no plan could be made): pure, so it is tested
 * without a store. Retired schools are left out.
 */
export function summarizeOverview(snap: SchoolSnapshot, plan: Plan | undefined, budgetEur: number): Overview {
  const spent = new Map<string, number>();
  for (const s of plan?.selected ?? []) spent.set(s.school_id, (spent.get(s.school_id) ?? 0) + s.cost_eur);
  const schools: OverviewSchool[] = [];
  let synthetic = false;
  for (const summary of snap.summaries) {
    if (summary.retired_at !== null) continue;
    const view = snap.schools.get(summary.id);
    if (view === undefined) continue;
    synthetic ||= view.plan.synthetic === true;
    schools.push({
      id: summary.id,
      name: summary.name,
      municipality: summary.municipality,
      pupils: summary.pupils,
      score: summary.score,
      band: summary.band,
      confidence: view.score.confidence.level,
      download_mbps: view.score.components.download?.median_mbps ?? null,
      lat: summary.lat,
      lon: summary.lon,
      school_type: summary.school_type,
      planned_eur: spent.get(summary.id) ?? 0,
    });
  }
  const byName = new Map<string, OverviewSchool[]>();
  for (const m of MUNICIPALITIES) byName.set(m.name, []);
  for (const s of schools) {
    const list = byName.get(s.municipality) ?? [];
    list.push(s);
    byName.set(s.municipality, list);
  }
  const kinds = new Map(MUNICIPALITIES.map((m) => [m.name, m.kind]));
  const municipalities = [...byName].map(([name, list]): OverviewMunicipality => {
    const scores = list.flatMap((s) => (s.score === null ? [] : [s.score]));
    const measured = list.flatMap((s) => (s.download_mbps === null ? [] : [s.download_mbps]));
    return {
      name,
      kind: kinds.get(name) ?? null,
      schools: list.length,
      pupils: list.reduce((sum, s) => sum + s.pupils, 0),
      median_score: median(scores) ?? null,
      measured_schools: measured.length,
      slow_share:
        measured.length === 0 ? null : measured.filter((d) => d < SLOW_BELOW_MBPS).length / measured.length,
      planned_eur: list.reduce((sum, s) => sum + s.planned_eur, 0),
    };
  });
  return { budget_eur: budgetEur, slow_below_mbps: SLOW_BELOW_MBPS, synthetic, schools, municipalities };
}

/** The national overview over the read model. */
export interface OverviewService {
  /** The overview with the plan at `budgetEur`. */
  overview(budgetEur: number): Promise<Overview>;
}

/** Dependencies of {@link createOverviewService}. */
export interface OverviewServiceOptions {
  schools: SchoolService;
  plan: PlanService;
}

/** The overview service: the read model's schools and the (cached) plan, summarised. */
export function createOverviewService(options: OverviewServiceOptions): OverviewService {
  return {
    async overview(budgetEur) {
      const snap = await options.schools.snapshot();
      // The plan service solves over its own snapshot; both come from the same cached build.
      const plan = await options.plan.plan({ budget_eur: budgetEur });
      return summarizeOverview(snap, plan, budgetEur);
    },
  };
}
