import type { SchoolSummary } from '@skolnet/shared';

/**
 * Every role a person's account can have, as the collector's
 * `collector/src/auth/roles.ts` lists them (a test keeps the two equal).
 */
export const ROLES = [
  'admin',
  'planner',
  'municipality_planner',
  'school_it',
  'vendor',
  'support_coordinator',
  'director',
  'municipal_coordinator',
  'ikvd',
] as const;

/** A person's role. */
export type Role = (typeof ROLES)[number];

/** The signed-in person, as `GET /api/v1/session` reports them. */
export interface SessionUser {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  /** Scope of school-scoped roles. */
  school_id: string | null;
  /** Scope of municipality-scoped roles. */
  municipality: string | null;
  /** Scope of vendors. */
  vendor: string | null;
}

/** `GET /api/v1/session`. */
export interface SessionInfo {
  user: SessionUser;
  credential: 'session' | 'token';
  /** Sent back in the `x-skolnet-csrf` header of every state-changing request. */
  csrf_token?: string;
  expires_at?: string;
}

/** The score band of a school (docs/methodology.md). */
export type Band = SchoolSummary['band'];

/** Every band, best first: the order of legends and filters. */
export const BANDS: readonly Band[] = ['good', 'moderate', 'priority', 'insufficient_data'];

/** A school's kind in the national register. */
export type SchoolType = 'general' | 'special' | 'vocational' | 'preschool';

/** Every school type, in the order of filters. */
export const SCHOOL_TYPES: readonly SchoolType[] = ['general', 'special', 'vocational', 'preschool'];

/** How much data stands behind a score (docs/methodology.md). */
export type ConfidenceLevel = 'high' | 'medium' | 'low' | 'none';

/** Every confidence level, most first. */
export const CONFIDENCE_LEVELS: readonly ConfidenceLevel[] = ['high', 'medium', 'low', 'none'];

/**
 * A school as `GET /api/v1/schools` lists it, with its register fields
 * (null until the register gives them).
 */
export type SchoolListItem = SchoolSummary;

/** One school of `GET /api/v1/overview` (collector/src/services/overview-service.ts). */
export interface OverviewSchool {
  id: string;
  name: string;
  municipality: string;
  pupils: number;
  score: number | null;
  band: Band;
  confidence: ConfidenceLevel;
  /** Median download, Mbit/s; null without throughput results. */
  download_mbps: number | null;
  lat: number | null;
  lon: number | null;
  school_type: SchoolType | null;
  /** EUR the plan at the overview's budget spends on the school. */
  planned_eur: number;
}

/** One municipality of `GET /api/v1/overview`. */
export interface OverviewMunicipality {
  name: string;
  kind: 'state_city' | 'novads' | null;
  schools: number;
  pupils: number;
  median_score: number | null;
  measured_schools: number;
  slow_share: number | null;
  planned_eur: number;
}

/** `GET /api/v1/overview` (planners and admins). */
export interface Overview {
  budget_eur: number;
  slow_below_mbps: number;
  synthetic: boolean;
  schools: OverviewSchool[];
  municipalities: OverviewMunicipality[];
}

/**
 * The plan's words as a code with plain parameters (collector/src/planning/plan-messages.ts):
 * pages render them from their own catalogs, never the API's English text.
 */
export interface PlanMessage {
  code: string;
  params: Readonly<Record<string, string | number | boolean>>;
}

/** One funded option of the plan (collector/src/planning/plan.ts). */
export interface PlanSelection {
  school_id: string;
  option_id: string;
  cost_eur: number;
  benefit: number;
  school_name: string;
  municipality: string;
  pupils: number;
  kind: string;
  /** English; pages show {@link PlanSelection.label_parts}. */
  label: string;
  label_parts: PlanMessage[];
  score_before: number;
  score_after: number;
}

/** One step of the greedy ranking by benefit per euro. */
export interface GreedyStep {
  rank: number;
  school_id: string;
  from_option: string | null;
  to_option: string;
  cost_eur: number;
  benefit: number;
  benefit_per_eur: number;
  cumulative_cost_eur: number;
  /** Whether the budget covers this step in the greedy order. */
  funded: boolean;
}

/** Schools and pupils at a threshold before and after the plan (collector/src/planning/plan.ts). */
export interface PlanThreshold {
  schools_before: number;
  schools_after: number;
  pupils_before: number;
  pupils_after: number;
  vulnerable_reached: number;
  supported_reached: number;
  /** Programme EUR per pupil newly at the threshold; null when nobody crosses it. */
  programme_eur_per_pupil: number | null;
  lifetime_eur_per_pupil: number | null;
}

/** What planners and auditors read first: who pays over the lifetime, floor and target. */
export interface PlanSummary {
  objective: string;
  discount_rate: number;
  horizon_years: number;
  /** `default_source`: no source configured, `source` is the collector's English default. */
  budget: {
    budget_eur: number;
    source: string;
    default_source?: { programme_total_eur: number };
    includes_vat: boolean;
    laptops_spend_eur: number | null;
  };
  programme_cost_eur: number;
  surveys_cost_eur: number;
  owner_cost_pv_eur: number;
  residual_value_pv_eur: number;
  lifetime_cost_eur: number;
  floor: PlanThreshold;
  target: PlanThreshold;
  lacking_evidence: { min_school_days: number; schools: string[] };
  line_unknown: string[];
  owner_actions: number;
  /** English; pages show {@link PlanSummary.delivery_message}. */
  delivery: string;
  delivery_message: PlanMessage;
}

/** `GET /api/v1/plan` as the plan explorer reads it (docs/methodology.md, "The optimiser"). */
export interface PlanResult {
  synthetic: boolean;
  budget_eur: number;
  status: string;
  optimal: boolean;
  selected: PlanSelection[];
  total_cost_eur: number;
  total_benefit: number;
  upper_bound: number;
  gap: number;
  /** λ: benefit per euro at the cut-off, what the next euro would buy. */
  benefit_per_eur_at_cutoff: number;
  greedy_benefit: number;
  greedy: GreedyStep[];
  unscored: string[];
  min_score_unreachable: string[];
  summary: PlanSummary;
}

/** The `{ code, message }` body of every collector error. */
export interface ApiErrorBody {
  code: string;
  message: string;
}
