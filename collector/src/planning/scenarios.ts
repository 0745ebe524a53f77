import { DEFAULT_PLAN_ECONOMICS, type PlanEconomics } from './economics.js';
import { buildPlan, type PlanInput } from './plan.js';

/**
 * Scenario analysis of the plan (docs/methodology.md, "Scenarios"): the
 * plan re-solved with one assumption moved at a time — prices, expected
 * effects, the benefit weights, the discount rate, the budget — and per
 * school the share of scenarios in which it is funded. A school funded in
 * every scenario is a robust choice; one funded in few rests on an
 * assumption worth checking. Pure.
 */

/** One scenario: a name and what it changes against the base. */
export interface Scenario {
  name: string;
  /** What moved, for people. */
  change: string;
  price_factor?: number;
  effect_factor?: number;
  budget_factor?: number;
  economics?: Partial<PlanEconomics>;
}

/**
 * The scenarios, the base first. Ranges (judgement unless cited): tender
 * prices 20% below to 30% above the catalog (cost overruns are likelier
 * than savings: the risk chapter of the EU CBA guide 2014-2020); effects
 * 30% weaker or 20% stronger than the catalog's judgement; the floor's
 * priority 10 times lower or higher; vulnerable pupils not weighted or
 * counted triple; the discount rate at the Vademecum 2021-2027's 3% and
 * at 7%; the budget 20% lower or higher.
 */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'base', change: 'the plan as configured' },
  { name: 'prices_low', change: 'programme prices × 0.8', price_factor: 0.8 },
  { name: 'prices_high', change: 'programme prices × 1.3', price_factor: 1.3 },
  { name: 'effects_weak', change: 'expected effects × 0.7', effect_factor: 0.7 },
  { name: 'effects_strong', change: 'expected effects × 1.2', effect_factor: 1.2 },
  { name: 'floor_weight_low', change: 'floor weight ÷ 10', economics: { floor_weight: 0.1 } },
  { name: 'floor_weight_high', change: 'floor weight × 10', economics: { floor_weight: 10 } },
  {
    name: 'vulnerable_unweighted',
    change: 'vulnerable pupils weight 0',
    economics: { vulnerable_weight: 0 },
  },
  { name: 'vulnerable_triple', change: 'vulnerable pupils weight 2', economics: { vulnerable_weight: 2 } },
  { name: 'discount_3pct', change: 'discount rate 3%', economics: { discount_rate: 0.03 } },
  { name: 'discount_7pct', change: 'discount rate 7%', economics: { discount_rate: 0.07 } },
  { name: 'budget_low', change: 'budget × 0.8', budget_factor: 0.8 },
  { name: 'budget_high', change: 'budget × 1.2', budget_factor: 1.2 },
];

/** The outcome of one scenario. */
export interface ScenarioResult {
  name: string;
  change: string;
  budget_eur: number;
  funded_schools: number;
  programme_cost_eur: number;
  lifetime_cost_eur: number;
  floor_schools_after: number;
  target_schools_after: number;
  floor_pupils_after: number;
  target_pupils_after: number;
  /** Schools whose funded option differs from the base plan's. */
  changed_from_base: number;
}

/** One school across the scenarios. */
export interface SchoolScenarioShare {
  school_id: string;
  school_name: string;
  municipality: string;
  /** The option the base plan funds, '' for none. */
  base_option: string;
  /** Share of scenarios (0-1) in which the school is funded (any option). */
  funded_share: number;
  /** Scenarios in which it is not funded, by name (empty when always funded or never). */
  unfunded_in: string[];
}

/** The scenario report. */
export interface ScenarioReport {
  scenarios: ScenarioResult[];
  schools: SchoolScenarioShare[];
  /** Schools funded in every scenario, in none, and in some. */
  robust: number;
  never: number;
  sensitive: number;
}

/**
 * Solves the plan of `input` under each scenario. `scenarios` multiply
 * the input's own factors and weights (floor weight and budget are
 * multiplied; the other economics replaced).
 */
export function runScenarios(input: PlanInput, scenarios: readonly Scenario[] = SCENARIOS): ScenarioReport {
  const e = input.economics ?? DEFAULT_PLAN_ECONOMICS;
  const plans = scenarios.map((s) => {
    const economics: PlanEconomics = {
      ...e,
      ...s.economics,
      floor_weight: e.floor_weight * (s.economics?.floor_weight ?? 1),
    };
    const budget = Math.round(input.budget_eur * (s.budget_factor ?? 1));
    const plan = buildPlan({
      ...input,
      economics,
      budget_eur: budget,
      price_factor: (input.price_factor ?? 1) * (s.price_factor ?? 1),
      effect_factor: (input.effect_factor ?? 1) * (s.effect_factor ?? 1),
    });
    return { scenario: s, plan, budget };
  });
  const base = plans[0]?.plan;
  const baseOption = new Map(
    (base?.schools ?? []).map((r) => [r.school_id, r.status === 'funded' ? r.option_id : '']),
  );
  const results: ScenarioResult[] = plans.map(({ scenario, plan, budget }) => ({
    name: scenario.name,
    change: scenario.change,
    budget_eur: budget,
    funded_schools: plan.schools.filter((r) => r.status === 'funded').length,
    programme_cost_eur: plan.summary.programme_cost_eur,
    lifetime_cost_eur: plan.summary.lifetime_cost_eur,
    floor_schools_after: plan.summary.floor.schools_after,
    target_schools_after: plan.summary.target.schools_after,
    floor_pupils_after: plan.summary.floor.pupils_after,
    target_pupils_after: plan.summary.target.pupils_after,
    changed_from_base: plan.schools.filter(
      (r) => (r.status === 'funded' ? r.option_id : '') !== (baseOption.get(r.school_id) ?? ''),
    ).length,
  }));
  const schools: SchoolScenarioShare[] = (base?.schools ?? []).map((row, i) => {
    const unfunded = plans.filter((p) => p.plan.schools[i]?.status !== 'funded').map((p) => p.scenario.name);
    const share = (plans.length - unfunded.length) / Math.max(1, plans.length);
    return {
      school_id: row.school_id,
      school_name: row.school_name,
      municipality: row.municipality,
      base_option: baseOption.get(row.school_id) ?? '',
      funded_share: Math.round(share * 1000) / 1000,
      unfunded_in: unfunded.length === plans.length ? [] : unfunded,
    };
  });
  return {
    scenarios: results,
    schools,
    robust: schools.filter((s) => s.funded_share === 1).length,
    never: schools.filter((s) => s.funded_share === 0).length,
    sensitive: schools.filter((s) => s.funded_share > 0 && s.funded_share < 1).length,
  };
}
