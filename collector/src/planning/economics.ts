import { Type, type Static } from '@sinclair/typebox';
import { createConfigCheck } from '../config-check.js';
import type { ScoreFigures } from '../scoring/school-score.js';

/**
 * The economics of the plan (docs/methodology.md, "The objective"):
 * thresholds a school reaches or not, discounting, and an option's
 * lifetime cost part by part with who pays it. Pure.
 */

/** Which objective the optimiser maximises. */
export type PlanObjective = 'cost_effectiveness' | 'score_delta';

/** Objectives by name, the default first. */
export const PLAN_OBJECTIVES: readonly PlanObjective[] = ['cost_effectiveness', 'score_delta'];

/** A minimum download rate for schools up to a number of pupils. */
export interface SizeMinimum {
  /** Schools with at most this many pupils … */
  max_pupils: number;
  /** … need at least this download rate (measured), Mbit/s. */
  min_mbps: number;
}

/** Settings of the economic objective; every one has a default below. */
export interface PlanEconomics {
  objective: PlanObjective;
  /** Social discount rate per year (0.05 = 5%). */
  discount_rate: number;
  /** Appraisal horizon, years: benefits and costs are counted over it. */
  horizon_years: number;
  /** The floor every school should reach first. */
  floor: { download_mbps: number; availability_share: number };
  /** The target after the floor. */
  target: { per_pupil_mbps: number; size_minimums: SizeMinimum[]; wifi_share: number };
  /** Weight of a pupil-year brought to the floor against one brought from the floor to the target. */
  floor_weight: number;
  /** Extra weight of a vulnerable pupil (1 = counts double). */
  vulnerable_weight: number;
  /** Extra weight of a pupil with an active support plan. */
  support_plan_weight: number;
  /** Whether a faster subscription on the same line may be bought with programme money. */
  fund_subscription_changes: boolean;
  /** Years of changed running cost the programme pays with the capex (0: the owner pays them). */
  programme_opex_years: number;
  /**
   * How much a school owner's euro (running costs, renewals, less residual
   * value, in present values) weighs against a programme euro in the
   * objective: 1 ranks options by outcome per lifetime euro whoever pays,
   * 0 by outcome per programme euro (owners' costs still reported).
   */
  owner_cost_weight: number;
  /** School days with throughput results a school needs before its options are funded. */
  min_evidence_school_days: number;
}

/**
 * Social discount rate: 5% per year, the rate the EU's cost-benefit guide
 * for 2014-2020 (European Commission, Guide to Cost-Benefit Analysis of
 * Investment Projects, December 2014, and Commission Delegated
 * Regulation (EU) No 480/2014, Art. 19) sets for cohesion countries such as Latvia; the
 * Economic Appraisal Vademecum 2021-2027 takes 3% as its reference. The
 * scenario analysis runs both.
 */
export const DEFAULT_DISCOUNT_RATE = 0.05;

/** Appraisal horizon, years: the reference period for broadband is 15-20 years (Delegated Regulation (EU) No 480/2014, Annex I). */
export const DEFAULT_HORIZON_YEARS = 15;

/** The default economics (docs/methodology.md cites each figure). */
export const DEFAULT_PLAN_ECONOMICS: PlanEconomics = {
  objective: 'cost_effectiveness',
  discount_rate: DEFAULT_DISCOUNT_RATE,
  horizon_years: DEFAULT_HORIZON_YEARS,
  // 20 Mbit/s per school and 99% availability in lesson hours: issue 16's floor.
  floor: { download_mbps: 20, availability_share: 0.99 },
  target: {
    // 1 Mbit/s per pupil measured: the planner's long-standing rule (targetTier).
    per_pupil_mbps: 1,
    // Judgement: one class of 30 on video at about 1.5 Mbit/s each needs 45 Mbit/s, so no school's target is below 50.
    size_minimums: [
      { max_pupils: 100, min_mbps: 50 },
      { max_pupils: 300, min_mbps: 100 },
    ],
    wifi_share: 0.9,
  },
  // Floors first: a pupil-year at the floor outweighs any plausible number of target pupil-years per euro.
  floor_weight: 1000,
  vulnerable_weight: 1,
  support_plan_weight: 0.5,
  fund_subscription_changes: false,
  programme_opex_years: 0,
  // A municipality's euro is as public as the programme's.
  owner_cost_weight: 1,
  // docs/methodology.md recommends at least 3 school days of results.
  min_evidence_school_days: 3,
};

const strict = { additionalProperties: false } as const;
const Share = Type.Number({ minimum: 0, maximum: 1 });

/**
 * A file of overrides on {@link DEFAULT_PLAN_ECONOMICS} (`--economics FILE`):
 * any of its keys; `floor` and `target` replace the default whole, so
 * each gives all of its own keys.
 */
export const PlanEconomicsOverrides = Type.Partial(
  Type.Object(
    {
      objective: Type.Union(PLAN_OBJECTIVES.map((o) => Type.Literal(o))),
      discount_rate: Type.Number({ minimum: 0, maximum: 0.2 }),
      horizon_years: Type.Number({ minimum: 1, maximum: 50 }),
      floor: Type.Object(
        { download_mbps: Type.Number({ minimum: 0, maximum: 10_000 }), availability_share: Share },
        strict,
      ),
      target: Type.Object(
        {
          per_pupil_mbps: Type.Number({ minimum: 0, maximum: 100 }),
          size_minimums: Type.Array(
            Type.Object(
              { max_pupils: Type.Number({ minimum: 0 }), min_mbps: Type.Number({ minimum: 0 }) },
              strict,
            ),
          ),
          wifi_share: Share,
        },
        strict,
      ),
      floor_weight: Type.Number({ minimum: 1, maximum: 1e6 }),
      vulnerable_weight: Type.Number({ minimum: 0, maximum: 10 }),
      support_plan_weight: Type.Number({ minimum: 0, maximum: 10 }),
      fund_subscription_changes: Type.Boolean(),
      programme_opex_years: Type.Number({ minimum: 0, maximum: 50 }),
      owner_cost_weight: Type.Number({ minimum: 0, maximum: 10 }),
      min_evidence_school_days: Type.Number({ minimum: 0, maximum: 365 }),
    },
    strict,
  ),
);

// Every key of the overrides is a key of PlanEconomics with the same type.
const _overridesFit = (o: Static<typeof PlanEconomicsOverrides>): Partial<PlanEconomics> => o;

const checkOverrides = createConfigCheck(PlanEconomicsOverrides, 'plan economics');

/** Overrides on the defaults, checked by {@link PlanEconomicsOverrides}; errors name the key. */
export function parsePlanEconomics(value: unknown): PlanEconomics {
  const o = checkOverrides(value);
  const e: PlanEconomics = { ...DEFAULT_PLAN_ECONOMICS, ...o };
  return {
    ...e,
    horizon_years: Math.round(e.horizon_years),
    min_evidence_school_days: Math.round(e.min_evidence_school_days),
  };
}

/** Present value of 1 EUR (or one outcome) at the end of year `t`. */
export function discountFactor(rate: number, t: number): number {
  return 1 / (1 + rate) ** t;
}

/** Present value of 1 a year for `years` years, paid at each year's end (the annuity factor). */
export function annuityFactor(rate: number, years: number): number {
  if (years <= 0) return 0;
  if (rate === 0) return years;
  return (1 - (1 + rate) ** -years) / rate;
}

/** The download a school needs for the target, Mbit/s measured: per pupil, with its size's minimum. */
export function targetMbps(pupils: number, e: PlanEconomics): number {
  const minimum = [...e.target.size_minimums]
    .sort((a, b) => a.max_pupils - b.max_pupils)
    .find((m) => pupils <= m.max_pupils);
  const largest = e.target.size_minimums.reduce((m, s) => Math.max(m, s.min_mbps), 0);
  return Math.max(pupils * e.target.per_pupil_mbps, minimum?.min_mbps ?? largest);
}

/** Which thresholds a school's figures reach. */
export interface ThresholdState {
  floor: boolean;
  target: boolean;
}

/**
 * Thresholds reached by figures: the floor needs both the download and the
 * lesson-hour availability (no availability figure means none measured:
 * not reached); the target needs the floor, the per-pupil download and,
 * where Wi-Fi coverage is known, the teaching-room share.
 */
export function thresholds(f: ScoreFigures, pupils: number, e: PlanEconomics): ThresholdState {
  const down = f.download_mbps ?? 0;
  const floor =
    down >= e.floor.download_mbps &&
    f.availability_share !== undefined &&
    f.availability_share >= e.floor.availability_share;
  const wifiOk = f.wifi_coverage_share === undefined || f.wifi_coverage_share >= e.target.wifi_share;
  return { floor, target: floor && down >= targetMbps(pupils, e) && wifiOk };
}

/** Who pays a part. */
export type Payer = 'programme' | 'owner';

/** One part of an option, priced and annualised on its own (a bundle's parts keep their own lives). */
export interface CostPart {
  what: string;
  capex_eur: number;
  lifetime_years: number;
  /** Changed running cost, EUR a year (negative: cheaper). */
  opex_eur_per_year: number;
  /** Who pays the capex (the running cost is the owner's unless the programme takes years of it). */
  payer: Payer;
}

/** An option's cost over the horizon, in present values, with who pays. */
export interface LifetimeCost {
  /** Capex the programme pays now, plus the running-cost years it takes on. */
  programme_eur: number;
  /** Capex the owner pays now (subscription activations not funded by the programme). */
  owner_capex_eur: number;
  /** Present value of the changed running cost the owner pays over the horizon. */
  owner_running_pv_eur: number;
  /** Present value of renewing parts whose life ends inside the horizon (the owner's). */
  renewals_pv_eur: number;
  /** Present value of what the last renewal of each part is still worth at the horizon (straight line). */
  residual_value_pv_eur: number;
  /** Programme + owner capex + owner running + renewals − residual value. */
  lifetime_cost_eur: number;
  /** The same spread evenly over the horizon (equivalent annual cost), EUR a year. */
  annualised_eur: number;
}

/** Lifetime cost of parts over the horizon at the discount rate. */
export function lifetimeCost(parts: readonly CostPart[], e: PlanEconomics): LifetimeCost {
  const r = e.discount_rate;
  const h = e.horizon_years;
  let programme = 0;
  let ownerCapex = 0;
  let running = 0;
  let renewals = 0;
  let residual = 0;
  const opex = parts.reduce((s, p) => s + p.opex_eur_per_year, 0);
  const programmeYears = Math.min(h, e.programme_opex_years);
  // The programme takes the first years of any extra running cost it is configured to; savings stay the owner's.
  const programmeOpex = Math.max(0, opex) * annuityFactor(r, programmeYears);
  programme += programmeOpex;
  running = opex * annuityFactor(r, h) - programmeOpex;
  for (const p of parts) {
    if (p.payer === 'programme') programme += p.capex_eur;
    else ownerCapex += p.capex_eur;
    const life = Math.max(1, p.lifetime_years);
    let start = 0;
    for (let t = life; t < h; t += life) {
      renewals += p.capex_eur * discountFactor(r, t);
      start = t;
    }
    const left = (start + life - h) / life;
    if (left > 0) residual += p.capex_eur * left * discountFactor(r, h);
  }
  const total = programme + ownerCapex + running + renewals - residual;
  const af = annuityFactor(r, h);
  return {
    programme_eur: Math.round(programme),
    owner_capex_eur: Math.round(ownerCapex),
    owner_running_pv_eur: Math.round(running),
    renewals_pv_eur: Math.round(renewals),
    residual_value_pv_eur: Math.round(residual),
    lifetime_cost_eur: Math.round(total),
    annualised_eur: Math.round(af > 0 ? total / af : total),
  };
}

/** Weighted pupils of a school: pupils + extra weight × vulnerable + extra weight × supported. */
export function weightedPupils(
  pupils: number,
  vulnerable: number | undefined,
  supported: number | undefined,
  e: PlanEconomics,
): number {
  const clamp = (n: number | undefined): number => Math.min(pupils, Math.max(0, n ?? 0));
  return pupils + e.vulnerable_weight * clamp(vulnerable) + e.support_plan_weight * clamp(supported);
}

/**
 * Present value of a school's outcome change: weighted pupils brought to
 * the floor (× floor weight) and to the target, counted every year of the
 * horizon from the option's delivery and discounted.
 */
export function outcomeValue(
  before: ThresholdState,
  after: ThresholdState,
  weighted: number,
  leadMonths: number,
  e: PlanEconomics,
): { floor_pupil_years: number; target_pupil_years: number; value: number } {
  const years = Math.max(0, e.horizon_years - leadMonths / 12);
  const pv = annuityFactor(e.discount_rate, years) * discountFactor(e.discount_rate, leadMonths / 12);
  const floorGain = (after.floor ? 1 : 0) - (before.floor ? 1 : 0);
  const targetGain = (after.target ? 1 : 0) - (before.target ? 1 : 0);
  const floorPy = Math.max(0, floorGain) * weighted * pv;
  const targetPy = Math.max(0, targetGain) * weighted * pv;
  return {
    floor_pupil_years: Math.round(floorPy * 100) / 100,
    target_pupil_years: Math.round(targetPy * 100) / 100,
    value: Math.round((e.floor_weight * floorPy + targetPy) * 100) / 100,
  };
}
