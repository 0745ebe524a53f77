import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError, toCsv, type CsvDelimiter } from '@skolnet/shared';
import { createConfigCheck } from '../config-check.js';
import type { ScoringConfig } from '../scoring/score-config.js';
import type { CostCatalog } from './catalog.js';
import { DEFAULT_PLAN_ECONOMICS, type PlanEconomics, type PlanObjective } from './economics.js';
import { solveMckp, type McSchool, type McSolution } from './mckp.js';
import { planMessage, type PlanMessage } from './plan-messages.js';
import {
  baseline,
  generateOptions,
  provisionalOptions,
  type BenefitWeights,
  type PlanSchool,
  type UpgradeOption,
} from './options.js';

/**
 * The upgrade plan: options per school, the optimiser, and an explanation
 * for every school. Pure; the CLI and the API feed it plain data.
 */

/**
 * The programme's whole budget, EUR: network and laptops for pupils from
 * vulnerable groups together. The plan's budget is the network strand's;
 * until it is configured (`--budget`, `--budget-source`) the plan uses
 * this figure and says so in its budget source.
 */
export const DEFAULT_BUDGET_EUR = 18_090_300;

/** What the plan says of a budget left at {@link DEFAULT_BUDGET_EUR}. */
export const DEFAULT_BUDGET_SOURCE =
  "programme total 18,090,300 EUR (network and pupils' laptops together): not yet the network strand's budget; configure budget and budget-source";

/** The budget of a plan and where its figure comes from. */
export interface PlanBudget {
  budget_eur: number;
  /** Where the figure comes from (a decision, a programme document). */
  source: string;
  /**
   * Present when `source` is skolnet's own {@link DEFAULT_BUDGET_SOURCE}
   * (no budget source configured), with the programme total it names: a
   * page says it in its language; a configured source is the operator's
   * own text and is shown as given.
   */
  default_source?: { programme_total_eur: number };
  /** Whether the budget includes VAT (then programme prices are taken with VAT). */
  includes_vat: boolean;
  /** Laptop spend beside the network strand, EUR; null while no laptop register exists. */
  laptops_spend_eur: number | null;
}

/** When the works must be finished, and how fast fibre can be built. */
export interface DeliverySettings {
  /** Today, from the caller's clock. */
  now: Date;
  /** The programme's completion date, `YYYY-MM-DD`. */
  completion_date: string;
  /** Months kept free before the completion date (acceptance, slippage). */
  buffer_months: number;
  /** New fibre connections the operators can build per month, nationally; undefined: no limit. */
  fibre_per_month?: number;
}
/** Side constraints of a plan. */
export interface PlanConstraints {
  /** Every school with options must reach at least this score where some option can. */
  min_score?: number;
  /** Most spent per municipality, EUR; a number applies to every municipality. */
  municipality_cap_eur?: number | Readonly<Record<string, number>>;
  /** Installer teams' capacity: in-school installations per month … */
  installs_per_month?: number;
  /** … over this many months before the deadline. */
  months_to_deadline?: number;
}

/** Input of {@link buildPlan}. */
export interface PlanInput {
  schools: readonly PlanSchool[];
  catalog: CostCatalog;
  scoring: ScoringConfig;
  budget_eur: number;
  constraints?: PlanConstraints;
  weights?: BenefitWeights;
  /** Work limit passed to the solver. */
  max_work?: number;
  /** Objective and economic settings (default {@link DEFAULT_PLAN_ECONOMICS}). */
  economics?: PlanEconomics;
  /** Budget source and VAT treatment; `budget_eur` above is the amount. */
  budget?: Omit<PlanBudget, 'budget_eur'>;
  /** Completion date and fibre capacity; undefined: delivery not checked. */
  delivery?: DeliverySettings;
  /** Multiplier on programme prices (scenario analysis). */
  price_factor?: number;
  /** Multiplier on expected effects (scenario analysis). */
  effect_factor?: number;
}

/** A selected option, as the JSON output lists it. */
export interface PlanSelection {
  school_id: string;
  option_id: string;
  cost_eur: number;
  benefit: number;
  school_name: string;
  municipality: string;
  pupils: number;
  kind: string;
  label: string;
  /** `label` as codes with parameters (plan-messages.ts). */
  label_parts: PlanMessage[];
  capex_eur: number;
  opex_eur_per_year: number;
  lifetime_years: number;
  score_before: number;
  score_after: number;
  lifetime_cost_eur: number;
  owner_lifetime_cost_eur: number;
  lead_months: number;
  floor_after: boolean;
  target_after: boolean;
}

/** A school's status in the plan. */
export type PlanStatus = 'funded' | 'survey' | 'owner_action' | 'not_funded' | 'at_target' | 'no_option';

/** One row per school, funded or not: what CSV and XLSX show. */
export interface PlanRow {
  school_id: string;
  school_name: string;
  municipality: string;
  pupils: number;
  status: PlanStatus;
  /** School days with throughput results. */
  evidence_school_days: number;
  /** False when below the plan's minimum evidence or the line is unknown: a survey first. */
  evidence_ok: boolean;
  option_id: string;
  label: string;
  /** Programme money for the option (0 when not funded), EUR. */
  programme_cost_eur: number;
  /** Programme money for the survey, EUR. */
  survey_cost_eur: number;
  owner_capex_eur: number;
  owner_running_pv_eur: number;
  renewals_pv_eur: number;
  residual_value_pv_eur: number;
  lifetime_cost_eur: number;
  opex_eur_per_year: number;
  lead_months: number;
  floor_before: boolean;
  floor_after: boolean;
  target_before: boolean;
  target_after: boolean;
  score_before: number | string;
  score_after: number | string;
  benefit: number;
  /** What the school owner should do with its own money (a subscription, a repair claim). */
  owner_action: string;
  operator_to_confirm: boolean;
  /** For a survey school: the option its survey will most likely lead to, and its estimated programme cost. */
  provisional_option: string;
  provisional_cost_eur: number | string;
  why: string;
  /**
   * `why` as a code with parameters (plan-messages.ts): the explanation's
   * for a funded or unfunded school, else `survey_line_unknown`
   * {survey_funded}, `survey_evidence` {days, min_days, survey_funded},
   * `at_target`, `owner_remedy`, `no_data` or `no_fundable_option`. Not a
   * column of the CSV or XLSX, which keep `why`.
   */
  why_message?: PlanMessage;
  /** `owner_action` as a code (`owner_action` {capex_eur, opex_eur_per_year}) and its label parts; absent without one. */
  owner_action_message?: PlanMessage;
  owner_action_parts?: PlanMessage[];
  /** `provisional_option` as label parts (empty when there is none). */
  provisional_parts?: PlanMessage[];
}

/** Threshold counts before and after the plan. */
export interface ThresholdCounts {
  schools_before: number;
  schools_after: number;
  pupils_before: number;
  pupils_after: number;
  /** Pupils in vulnerable groups at schools crossing the threshold. */
  vulnerable_reached: number;
  /** Pupils with support plans at schools crossing the threshold. */
  supported_reached: number;
  /** Programme EUR per pupil newly at the threshold: what the schools crossing it cost the programme, over their pupils. */
  programme_eur_per_pupil: number | null;
  /** The same with the lifetime cost (all payers, present value over the horizon). */
  lifetime_eur_per_pupil: number | null;
}

/** Totals of a group of schools (a municipality, a size band). */
export interface GroupResult {
  group: string;
  schools: number;
  pupils: number;
  funded: number;
  surveys: number;
  programme_cost_eur: number;
  floor_schools_before: number;
  floor_schools_after: number;
  target_schools_before: number;
  target_schools_after: number;
}

/** What planners and auditors read first. */
export interface PlanSummary {
  objective: PlanObjective;
  discount_rate: number;
  horizon_years: number;
  budget: PlanBudget;
  /** Programme money: options + surveys, EUR. */
  programme_cost_eur: number;
  surveys_cost_eur: number;
  /** Owner's capex, running costs and renewals over the horizon (PV), EUR. */
  owner_cost_pv_eur: number;
  /** What the assets are still worth at the horizon's end (PV), EUR: the lifetime cost is programme + owners − this. */
  residual_value_pv_eur: number;
  lifetime_cost_eur: number;
  floor: ThresholdCounts;
  target: ThresholdCounts;
  /** Schools lacking the minimum evidence (ids), and the minimum. */
  lacking_evidence: { min_school_days: number; schools: string[] };
  /** Schools whose line is unknown (ids). */
  line_unknown: string[];
  owner_actions: number;
  by_municipality: GroupResult[];
  by_size: GroupResult[];
  /** Delivery check: what was applied or why not. */
  delivery: string;
  /** `delivery` as a code with parameters (plan-messages.ts). */
  delivery_message: PlanMessage;
}

/** One step of the greedy ranking by benefit per euro. */
export interface GreedyStep {
  rank: number;
  school_id: string;
  /** Option before the step (null: nothing). */
  from_option: string | null;
  to_option: string;
  cost_eur: number;
  benefit: number;
  benefit_per_eur: number;
  cumulative_cost_eur: number;
  /** Whether the budget covers this step in the greedy order. */
  funded: boolean;
}

/** Why a school gets what it gets. */
export interface SchoolExplanation {
  school_id: string;
  school_name: string;
  option_id: string | null;
  why: string;
  buys: string;
  next_euro: string;
  /** `why`, `buys` and `next_euro` as codes with parameters (plan-messages.ts); options are named by id. */
  why_message: PlanMessage;
  buys_message: PlanMessage;
  /** Null when there is nothing to say (a school the optimiser did not weigh). */
  next_euro_message: PlanMessage | null;
  /** Label parts of what `buys_message` names when it is not one of `options` (a survey's provisional option, the owner's action). */
  buys_label_parts?: PlanMessage[];
  options: UpgradeOption[];
}

/** The plan. */
export interface Plan {
  /** True when any school in it is synthetic demo data. */
  synthetic: boolean;
  budget_eur: number;
  status: McSolution['status'];
  optimal: boolean;
  selected: PlanSelection[];
  total_cost_eur: number;
  total_benefit: number;
  upper_bound: number;
  gap: number;
  /** Benefit per euro at the cut-off of the LP relaxation: what the next euro would buy. */
  benefit_per_eur_at_cutoff: number;
  greedy_benefit: number;
  greedy: GreedyStep[];
  explanations: SchoolExplanation[];
  /** Schools without a score (insufficient data): not planned. */
  unscored: string[];
  /** Schools below `min_score` that no option lifts to it (they get their best option if affordable). */
  min_score_unreachable: string[];
  solver: { nodes: number; core_schools: number; exact_with_side_constraints: boolean };
  constraints: PlanConstraints;
  /** Every school, one row each. */
  schools: PlanRow[];
  summary: PlanSummary;
  /** Options left out because they would finish after the completion date less its buffer. */
  late_options: { school_id: string; option_id: string; ready: string }[];
}

function fmtEur(v: number): string {
  return `${Math.round(v).toLocaleString('en-US')} EUR`;
}

/** Size bands for results by school size, pupils (upper bounds). */
export const SIZE_BANDS: readonly { label: string; max: number }[] = [
  { label: '1-100 pupils', max: 100 },
  { label: '101-300 pupils', max: 300 },
  { label: '301-600 pupils', max: 600 },
  { label: '601+ pupils', max: Infinity },
];

/** The month (0-based count from now) an option's works are ready, with fibre's frost months skipped. */
function readyDate(now: Date, lead: number, frost: readonly number[], civil: boolean): Date {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + Math.ceil(lead), now.getUTCDate()));
  // Civil works cannot end in a frost month: they wait for the thaw.
  for (let guard = 0; civil && guard < 12 && frost.includes(d.getUTCMonth() + 1); guard += 1)
    d.setUTCMonth(d.getUTCMonth() + 1);
  return d;
}

/** "1 month", "2 months". */
function months(n: number): string {
  return `${n} month${n === 1 ? '' : 's'}`;
}

/** Builds the plan: options, optimiser, greedy ranking, explanations, every school's row and the summary. */
export function buildPlan(input: PlanInput): Plan {
  const e = input.economics ?? DEFAULT_PLAN_ECONOMICS;
  // The economics' pupil weights, unless the caller gives its own.
  const weights: BenefitWeights = input.weights ?? {
    vulnerable: e.vulnerable_weight,
    support_plan: e.support_plan_weight,
  };
  const c = input.constraints ?? {};
  if (!(input.budget_eur >= 0))
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, 'budget must be >= 0 EUR');
  const budget: PlanBudget = {
    budget_eur: input.budget_eur,
    source: input.budget?.source ?? DEFAULT_BUDGET_SOURCE,
    ...((input.budget?.source ?? DEFAULT_BUDGET_SOURCE) === DEFAULT_BUDGET_SOURCE
      ? { default_source: { programme_total_eur: DEFAULT_BUDGET_EUR } }
      : {}),
    includes_vat: input.budget?.includes_vat ?? true,
    laptops_spend_eur: input.budget?.laptops_spend_eur ?? null,
  };
  const catalog = input.catalog;
  const vatFactor = budget.includes_vat && !catalog.vat.prices_include_vat ? 1 + catalog.vat.rate : 1;
  const priceFactor = input.price_factor ?? 1;
  const settings = {
    economics: e,
    vat_factor: vatFactor * priceFactor,
    ...(input.effect_factor === undefined ? {} : { effect_factor: input.effect_factor }),
  };
  const pm = 1 + catalog.delivery_costs.project_management_share + catalog.delivery_costs.contingency_share;
  const surveyCost = Math.round(catalog.survey.design_survey_eur * pm * vatFactor * priceFactor);

  // Delivery: applied only while the completion date less its buffer is still ahead.
  let deadline: Date | undefined;
  let delivery = 'not checked (no completion date given)';
  let deliveryMessage = planMessage('delivery_not_checked');
  const d = input.delivery;
  if (d) {
    const end = new Date(`${d.completion_date}T00:00:00Z`);
    if (Number.isNaN(end.getTime()))
      throw new SkolnetError(
        ErrorCodes.CLI_BAD_ARGUMENT,
        `completion date ${d.completion_date}: expected YYYY-MM-DD`,
      );
    const last = new Date(end);
    last.setUTCMonth(last.getUTCMonth() - d.buffer_months);
    const today = d.now.toISOString().slice(0, 10);
    const dates = {
      completion_date: d.completion_date,
      buffer_months: d.buffer_months,
      ready_by: last.toISOString().slice(0, 10),
      today,
    };
    if (last.getTime() <= d.now.getTime()) {
      // Said first and plainly: a planner reading this must not take the plan as delivery-checked.
      delivery = `NOT CHECKED: the completion date ${d.completion_date} is past (with ${months(d.buffer_months)} of buffer, works had to be ready by ${last.toISOString().slice(0, 10)}; today is ${today}), so no option was held back for its lead time. Set the programme's current completion date (completion-date in the collector's config, or --completion-date)`;
      deliveryMessage = planMessage('delivery_past', dates);
    } else {
      deadline = last;
      delivery = `works must be ready by ${last.toISOString().slice(0, 10)} (completion ${d.completion_date} less ${months(d.buffer_months)} of buffer; today ${today})`;
      deliveryMessage = planMessage('delivery_ready_by', dates);
    }
  }
  const late: Plan['late_options'] = [];

  interface Entry {
    school: PlanSchool;
    options: UpgradeOption[];
    /** All options, owner actions included. */
    all: UpgradeOption[];
    evidenceDays: number;
    evidenceOk: boolean;
    lineUnknown: boolean;
    provisional?: UpgradeOption;
    ownerAction?: UpgradeOption;
    mc: number;
    base: ReturnType<typeof baseline>;
  }
  const entries: Entry[] = [];
  const planned: { school: PlanSchool; options: UpgradeOption[] }[] = [];
  const unscored: string[] = [];
  const unreachable: string[] = [];
  const mc: McSchool[] = [];
  const ratio = (o: UpgradeOption): number => (o.benefit <= 0 ? -1 : o.benefit / Math.max(1, o.cost_eur));
  const best = (opts: readonly UpgradeOption[]): UpgradeOption | undefined =>
    opts.filter((o) => o.benefit > 0).sort((a, b) => ratio(b) - ratio(a))[0];
  let fibreWorks = false;
  for (const school of input.schools) {
    const all = generateOptions(school, catalog, input.scoring, weights, settings);
    const noLine = school.inventory?.line?.technology === 'none';
    const lineUnknown = school.inventory?.line?.technology === undefined;
    const evidenceDays =
      school.throughput_school_days ?? (school.figures.download_samples > 0 ? school.figures.school_days : 0);
    // A school without a line has nothing to measure: its lack of evidence is the finding.
    const evidenceOk = noLine || (!lineUnknown && evidenceDays >= e.min_evidence_school_days);
    if (all.length === 0 && school.figures.download_samples === 0) unscored.push(school.id);
    const ownerOnly = (o: UpgradeOption): boolean =>
      o.owner_action && (o.kind === 'outage_repair' || !e.fund_subscription_changes);
    let fundable = all.filter((o) => !ownerOnly(o));
    // Lifetime efficiency within a school: an option that reaches no more than another for a higher
    // lifetime cost is not offered, so programme money never buys capital to spare an owner a cheaper running cost.
    if (e.objective === 'cost_effectiveness') {
      fundable = fundable.filter(
        (o) =>
          !fundable.some(
            (k) =>
              k !== o &&
              k.outcome_value >= o.outcome_value &&
              k.lifetime.lifetime_cost_eur < o.lifetime.lifetime_cost_eur,
          ),
      );
    }
    // A repair claim is listed wherever lessons lose the line, even when it alone cannot be shown to reach the floor.
    // The owner's action that reaches most per lifetime euro (it costs the programme nothing, so its `benefit` is 0).
    const ownerAction =
      all
        .filter((o) => ownerOnly(o) && o.outcome_value > 0)
        .sort(
          (a, b) =>
            b.outcome_value / Math.max(1, b.lifetime.lifetime_cost_eur) -
            a.outcome_value / Math.max(1, a.lifetime.lifetime_cost_eur),
        )[0] ?? all.find((o) => o.kind === 'outage_repair');
    if (deadline && d) {
      fundable = fundable.filter((o) => {
        const ready = readyDate(
          d.now,
          o.lead_months,
          catalog.lead_times.fibre_frost_months,
          o.kind === 'fibre' || o.parts.some((p) => p.what.startsWith('fibre drop')),
        );
        if (ready.getTime() <= deadline.getTime()) return true;
        late.push({ school_id: school.id, option_id: o.id, ready: ready.toISOString().slice(0, 10) });
        return false;
      });
    }
    const entry: Entry = {
      school,
      options: fundable,
      all,
      evidenceDays,
      evidenceOk,
      lineUnknown,
      mc: -1,
      base: baseline(school, input.scoring, e),
    };
    if (ownerAction) entry.ownerAction = ownerAction;
    if (!evidenceOk) {
      const prov = best(
        lineUnknown
          ? provisionalOptions(school, catalog, input.scoring, weights, settings).filter((o) => !ownerOnly(o))
          : fundable,
      );
      if (prov) entry.provisional = prov;
      entries.push(entry);
      continue;
    }
    let usable = fundable;
    let mandatory = false;
    const before = all[0]?.score_before ?? 0;
    if (c.min_score !== undefined && before < c.min_score && usable.length > 0) {
      const reaching = usable.filter((o) => o.score_after >= (c.min_score as number));
      if (reaching.length > 0) {
        usable = reaching;
        mandatory = true;
      } else {
        unreachable.push(school.id);
      }
    }
    if (usable.length > 0) {
      entry.options = usable;
      entry.mc = planned.length;
      planned.push({ school, options: usable });
      const fibreCounts = input.delivery?.fibre_per_month !== undefined;
      if (fibreCounts && usable.some((o) => o.parts.some((p) => p.what.startsWith('fibre drop'))))
        fibreWorks = true;
      mc.push({
        id: school.id,
        group: school.municipality,
        mandatory,
        options: usable.map((o) => ({
          id: o.id,
          cost: o.cost_eur,
          benefit: o.benefit,
          // With fibre capacity configured, the installs resource counts fibre builds instead of in-school works.
          installs: fibreCounts ? (o.parts.some((p) => p.what.startsWith('fibre drop')) ? 1 : 0) : o.installs,
        })),
      });
    }
    entries.push(entry);
  }
  // Surveys come first: they are cheap and every later round needs them.
  const surveyEntries = entries
    .filter((x) => !x.evidenceOk)
    .sort((a, b) => b.school.pupils - a.school.pupils);
  let surveysCost = 0;
  const surveyed = new Set<string>();
  for (const x of surveyEntries) {
    if (surveysCost + surveyCost > input.budget_eur) break;
    surveysCost += surveyCost;
    surveyed.add(x.school.id);
  }
  const groupCaps: Record<string, number> = {};
  if (typeof c.municipality_cap_eur === 'number') {
    for (const s of planned) groupCaps[s.school.municipality] = c.municipality_cap_eur;
  } else if (c.municipality_cap_eur) {
    Object.assign(groupCaps, c.municipality_cap_eur);
  }
  if (input.delivery?.fibre_per_month !== undefined && c.installs_per_month !== undefined) {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      'fibre capacity and in-school installer capacity cannot be limited in the same plan yet; give one',
    );
  }
  let maxInstalls =
    c.installs_per_month !== undefined && c.months_to_deadline !== undefined
      ? Math.floor(c.installs_per_month * c.months_to_deadline)
      : undefined;
  if (input.delivery?.fibre_per_month !== undefined && fibreWorks) {
    const d2 = input.delivery;
    // Fibre works can run from today until the deadline (or the horizon's first year when none applies).
    const until = deadline ?? new Date(d2.now.getTime() + 365 * 86_400_000);
    const months = Math.max(0, (until.getTime() - d2.now.getTime()) / (30.44 * 86_400_000));
    maxInstalls = Math.floor((d2.fibre_per_month ?? 0) * months);
  }
  const mcConstraints = {
    budget: Math.max(0, Math.floor(input.budget_eur - surveysCost)),
    groupCaps,
    ...(maxInstalls === undefined ? {} : { maxInstalls }),
    ...(input.max_work === undefined ? {} : { maxWork: input.max_work }),
  };
  const solution = solveMckp(mc, mcConstraints);
  if (solution.status === 'infeasible') {
    throw new SkolnetError(
      ErrorCodes.PLAN_INFEASIBLE,
      `the minimum score of ${c.min_score} needs more than the budget of ${fmtEur(input.budget_eur)}`,
    );
  }

  const selected: PlanSelection[] = [];
  solution.choice.forEach((j, i) => {
    if (j < 0) return;
    const { school, options } = planned[i] as (typeof planned)[number];
    const o = options[j] as UpgradeOption;
    selected.push({
      school_id: school.id,
      option_id: o.id,
      cost_eur: o.cost_eur,
      benefit: o.benefit,
      school_name: school.name,
      municipality: school.municipality,
      pupils: school.pupils,
      kind: o.kind,
      label: o.label,
      label_parts: o.label_parts,
      capex_eur: o.capex_eur,
      opex_eur_per_year: o.opex_eur_per_year,
      lifetime_years: o.lifetime_years,
      score_before: o.score_before,
      score_after: o.score_after,
      lifetime_cost_eur: o.lifetime.lifetime_cost_eur,
      owner_lifetime_cost_eur: o.lifetime.lifetime_cost_eur - o.lifetime.programme_eur,
      lead_months: o.lead_months,
      floor_after: o.floor_after,
      target_after: o.target_after,
    });
  });

  const optionId = (school: number, opt: number): string | null =>
    opt < 0 ? null : ((planned[school] as (typeof planned)[number]).options[opt] as UpgradeOption).id;
  let cumulative = 0;
  const greedy: GreedyStep[] = solution.increments.map((inc, k) => {
    cumulative += inc.cost;
    return {
      rank: k + 1,
      school_id: (planned[inc.school] as (typeof planned)[number]).school.id,
      from_option: optionId(inc.school, inc.from),
      to_option: optionId(inc.school, inc.to) ?? '',
      cost_eur: inc.cost,
      benefit: Math.round(inc.benefit * 100) / 100,
      benefit_per_eur: inc.ratio,
      cumulative_cost_eur: cumulative,
      funded: solution.cutoff < 0 || k < solution.cutoff,
    };
  });

  const lambda = solution.lambda;
  const explanations = planned.map(({ school, options }, i) =>
    explain(
      school,
      options,
      solution.choice[i] ?? -1,
      lambda,
      solution.increments.filter((inc) => inc.school === i),
    ),
  );
  const rows = entries.map((x) =>
    planRow(
      x,
      x.mc >= 0 ? (solution.choice[x.mc] ?? -1) : -1,
      surveyed.has(x.school.id) ? surveyCost : 0,
      explanations[x.mc],
    ),
  );
  const sideConstraints = Object.keys(groupCaps).length > 0 || maxInstalls !== undefined;
  return {
    synthetic: input.schools.some((s) => s.synthetic === true),
    budget_eur: input.budget_eur,
    status: solution.status,
    optimal: solution.status === 'optimal',
    selected,
    total_cost_eur: solution.total_cost + surveysCost,
    total_benefit: Math.round(solution.total_benefit * 100) / 100,
    upper_bound: Math.round(solution.upper_bound * 100) / 100,
    gap: solution.gap,
    benefit_per_eur_at_cutoff: lambda,
    greedy_benefit: Math.round(solution.greedy_benefit * 100) / 100,
    greedy,
    explanations,
    unscored,
    min_score_unreachable: unreachable,
    solver: {
      nodes: solution.nodes,
      core_schools: solution.core_schools,
      exact_with_side_constraints: !sideConstraints || solution.status === 'optimal',
    },
    constraints: c,
    schools: rows,
    summary: { ...summarise(rows, input.schools, e, budget, delivery), delivery_message: deliveryMessage },
    late_options: late,
  };

  function planRow(
    x: Entry,
    chosen: number,
    survey: number,
    explanation: SchoolExplanation | undefined,
  ): PlanRow {
    const o = chosen >= 0 ? x.options[chosen] : undefined;
    const first = x.all[0];
    // From the options where there are any (a school without a line is judged as having none), else its own figures.
    const floorBefore = first?.floor_before ?? x.base.thresholds.floor;
    const targetBefore = first?.target_before ?? x.base.thresholds.target;
    const scoreBefore = first?.score_before ?? x.base.score_before ?? undefined;
    let status: PlanStatus;
    let why: string;
    let whyMessage: PlanMessage;
    if (!x.evidenceOk) {
      status = 'survey';
      why = x.lineUnknown
        ? `line technology unknown: survey needed before any line option${survey > 0 ? '' : ' (budget exhausted before this survey)'}`
        : `${x.evidenceDays} school day(s) of throughput results, below the plan's minimum of ${e.min_evidence_school_days}: measure first${survey > 0 ? '' : ' (budget exhausted before this survey)'}`;
      whyMessage = x.lineUnknown
        ? planMessage('survey_line_unknown', { survey_funded: survey > 0 })
        : planMessage('survey_evidence', {
            days: x.evidenceDays,
            min_days: e.min_evidence_school_days,
            survey_funded: survey > 0,
          });
    } else if (o) {
      status = 'funded';
      why = explanation?.why ?? '';
      whyMessage = explanation?.why_message ?? planMessage('no_improvement');
    } else if (targetBefore) {
      status = 'at_target';
      why = 'already at the target';
      whyMessage = planMessage('at_target');
    } else if (x.options.length === 0 && x.ownerAction) {
      status = 'owner_action';
      why = "the remedy is the owner's (a subscription or a repair claim), not programme money";
      whyMessage = planMessage('owner_remedy');
    } else if (x.options.length === 0) {
      status = 'no_option';
      why =
        x.all.length === 0
          ? 'no data and no inventory to build an option on'
          : 'no fundable option (late or none improves it)';
      whyMessage = planMessage(x.all.length === 0 ? 'no_data' : 'no_fundable_option');
    } else {
      status = 'not_funded';
      why = explanation?.why ?? '';
      whyMessage = explanation?.why_message ?? planMessage('no_improvement');
    }
    const score = (v: number | undefined): number | string => (v === undefined ? '' : v);
    return {
      school_id: x.school.id,
      school_name: x.school.name,
      municipality: x.school.municipality,
      pupils: x.school.pupils,
      status,
      evidence_school_days: x.evidenceDays,
      evidence_ok: x.evidenceOk,
      option_id: o?.id ?? '',
      label: o?.label ?? '',
      programme_cost_eur: o?.cost_eur ?? 0,
      survey_cost_eur: survey,
      owner_capex_eur: o?.lifetime.owner_capex_eur ?? 0,
      owner_running_pv_eur: o?.lifetime.owner_running_pv_eur ?? 0,
      renewals_pv_eur: o?.lifetime.renewals_pv_eur ?? 0,
      residual_value_pv_eur: o?.lifetime.residual_value_pv_eur ?? 0,
      lifetime_cost_eur: (o?.lifetime.lifetime_cost_eur ?? 0) + survey,
      opex_eur_per_year: o?.opex_eur_per_year ?? 0,
      lead_months: o?.lead_months ?? 0,
      floor_before: floorBefore,
      floor_after: o?.floor_after ?? floorBefore,
      target_before: targetBefore,
      target_after: o?.target_after ?? targetBefore,
      score_before: score(scoreBefore),
      score_after: score(o?.score_after ?? scoreBefore),
      benefit: o?.benefit ?? 0,
      owner_action: x.ownerAction
        ? `${x.ownerAction.label} (${fmtEur(x.ownerAction.capex_eur)} once, ${x.ownerAction.opex_eur_per_year >= 0 ? '+' : ''}${fmtEur(x.ownerAction.opex_eur_per_year)}/year)`
        : '',
      operator_to_confirm: o?.operator_to_confirm ?? false,
      provisional_option: x.provisional?.label ?? '',
      provisional_cost_eur: x.provisional?.cost_eur ?? '',
      why,
      why_message: whyMessage,
      ...(x.ownerAction
        ? {
            owner_action_message: planMessage('owner_action', {
              capex_eur: x.ownerAction.capex_eur,
              opex_eur_per_year: x.ownerAction.opex_eur_per_year,
            }),
          }
        : {}),
      owner_action_parts: x.ownerAction?.label_parts ?? [],
      provisional_parts: x.provisional?.label_parts ?? [],
    };
  }
}

function summarise(
  rows: readonly PlanRow[],
  schools: readonly PlanSchool[],
  e: PlanEconomics,
  budget: PlanBudget,
  delivery: string,
): Omit<PlanSummary, 'delivery_message'> {
  const byId = new Map(schools.map((s) => [s.id, s]));
  const programme = rows.reduce((s, r) => s + r.programme_cost_eur + r.survey_cost_eur, 0);
  const lifetime = rows.reduce((s, r) => s + r.lifetime_cost_eur, 0);
  const counts = (before: (r: PlanRow) => boolean, after: (r: PlanRow) => boolean): ThresholdCounts => {
    let sb = 0;
    let sa = 0;
    let pb = 0;
    let pa = 0;
    let vul = 0;
    let sup = 0;
    let crossers = 0;
    let crossProgramme = 0;
    let crossLifetime = 0;
    for (const r of rows) {
      if (before(r)) {
        sb += 1;
        pb += r.pupils;
      }
      if (after(r)) {
        sa += 1;
        pa += r.pupils;
      }
      if (after(r) && !before(r)) {
        crossers += r.pupils;
        crossProgramme += r.programme_cost_eur + r.survey_cost_eur;
        crossLifetime += r.lifetime_cost_eur;
        const support = byId.get(r.school_id)?.support;
        vul += Math.min(r.pupils, support?.pupils_vulnerable ?? 0);
        sup += Math.min(r.pupils, support?.pupils_support_plan ?? 0);
      }
    }
    return {
      schools_before: sb,
      schools_after: sa,
      pupils_before: pb,
      pupils_after: pa,
      vulnerable_reached: vul,
      supported_reached: sup,
      programme_eur_per_pupil: crossers > 0 ? Math.round(crossProgramme / crossers) : null,
      lifetime_eur_per_pupil: crossers > 0 ? Math.round(crossLifetime / crossers) : null,
    };
  };
  const group = (key: (r: PlanRow) => string): GroupResult[] => {
    const m = new Map<string, GroupResult>();
    for (const r of rows) {
      const k = key(r);
      const g = m.get(k) ?? {
        group: k,
        schools: 0,
        pupils: 0,
        funded: 0,
        surveys: 0,
        programme_cost_eur: 0,
        floor_schools_before: 0,
        floor_schools_after: 0,
        target_schools_before: 0,
        target_schools_after: 0,
      };
      g.schools += 1;
      g.pupils += r.pupils;
      if (r.status === 'funded') g.funded += 1;
      if (r.survey_cost_eur > 0) g.surveys += 1;
      g.programme_cost_eur += r.programme_cost_eur + r.survey_cost_eur;
      if (r.floor_before) g.floor_schools_before += 1;
      if (r.floor_after) g.floor_schools_after += 1;
      if (r.target_before) g.target_schools_before += 1;
      if (r.target_after) g.target_schools_after += 1;
      m.set(k, g);
    }
    return [...m.values()];
  };
  const band = (pupils: number): string =>
    (SIZE_BANDS.find((b) => pupils <= b.max) ?? SIZE_BANDS[SIZE_BANDS.length - 1])?.label ?? '';
  return {
    objective: e.objective,
    discount_rate: e.discount_rate,
    horizon_years: e.horizon_years,
    budget,
    programme_cost_eur: programme,
    surveys_cost_eur: rows.reduce((s, r) => s + r.survey_cost_eur, 0),
    owner_cost_pv_eur: rows.reduce(
      (s, r) => s + r.owner_capex_eur + r.owner_running_pv_eur + r.renewals_pv_eur,
      0,
    ),
    residual_value_pv_eur: rows.reduce((s, r) => s + r.residual_value_pv_eur, 0),
    lifetime_cost_eur: lifetime,
    floor: counts(
      (r) => r.floor_before,
      (r) => r.floor_after,
    ),
    target: counts(
      (r) => r.target_before,
      (r) => r.target_after,
    ),
    lacking_evidence: {
      min_school_days: e.min_evidence_school_days,
      schools: rows.filter((r) => !r.evidence_ok).map((r) => r.school_id),
    },
    line_unknown: schools.filter((s) => s.inventory?.line?.technology === undefined).map((s) => s.id),
    owner_actions: rows.filter((r) => r.owner_action !== '').length,
    by_municipality: group((r) => r.municipality).sort((a, b) => (a.group < b.group ? -1 : 1)),
    by_size: SIZE_BANDS.map((b) => b.label)
      .map((label) => group((r) => band(r.pupils)).find((g) => g.group === label))
      .filter((g): g is GroupResult => g !== undefined),
    delivery,
  };
}

function explain(
  school: PlanSchool,
  options: UpgradeOption[],
  chosen: number,
  lambda: number,
  incs: readonly { from: number; to: number; cost: number; benefit: number; ratio: number }[],
): SchoolExplanation {
  const o = chosen >= 0 ? options[chosen] : undefined;
  const perEur = (b: number, cost: number): string =>
    cost > 0 ? `${(b / cost).toFixed(4)} benefit per EUR` : 'free';
  const cut = `the plan's cut-off of ${lambda.toFixed(4)} benefit per EUR`;
  let why: string;
  let buys: string;
  let whyMessage: PlanMessage;
  let buysMessage: PlanMessage;
  if (o) {
    const ratio = o.cost_eur > 0 ? o.benefit / o.cost_eur : Infinity;
    why =
      o.cost_eur === 0
        ? `${o.label}: costs nothing and raises the score, so every plan takes it.`
        : `${o.label}: ${perEur(o.benefit, o.cost_eur)} overall against ${cut}` +
          (ratio >= lambda
            ? '; the optimiser found no other combination within the budget and constraints with more total benefit.'
            : '; below the cut-off, it uses money the better steps left over, which the optimiser found worth more here than anywhere else.');
    whyMessage =
      o.cost_eur === 0
        ? planMessage('free', { option_id: o.id })
        : planMessage(ratio >= lambda ? 'funded_above_cutoff' : 'funded_below_cutoff', {
            option_id: o.id,
            benefit_per_eur: o.benefit / o.cost_eur,
            cutoff: lambda,
          });
    const yn = (v: boolean): string => (v ? 'yes' : 'no');
    buys =
      `floor ${yn(o.floor_before)} → ${yn(o.floor_after)}, target ${yn(o.target_before)} → ${yn(o.target_after)}, ` +
      `score ${o.score_before} → ${o.score_after} for ${school.pupils} pupils (benefit ${o.benefit}) ` +
      `for ${fmtEur(o.cost_eur)} of programme money; lifetime cost ${fmtEur(o.lifetime.lifetime_cost_eur)} ` +
      `(owners: ${fmtEur(o.lifetime.owner_capex_eur)} once, ${o.opex_eur_per_year >= 0 ? '+' : ''}${fmtEur(o.opex_eur_per_year)}/year, ` +
      `renewals ${fmtEur(o.lifetime.renewals_pv_eur)}; residual value ${fmtEur(o.lifetime.residual_value_pv_eur)}), ready in ${o.lead_months} month(s).`;
    buysMessage = planMessage('buys', {
      option_id: o.id,
      floor_before: o.floor_before,
      floor_after: o.floor_after,
      target_before: o.target_before,
      target_after: o.target_after,
      score_before: o.score_before,
      score_after: o.score_after,
      pupils: school.pupils,
      benefit: o.benefit,
      cost_eur: o.cost_eur,
      lifetime_cost_eur: o.lifetime.lifetime_cost_eur,
      owner_capex_eur: o.lifetime.owner_capex_eur,
      opex_eur_per_year: o.opex_eur_per_year,
      renewals_pv_eur: o.lifetime.renewals_pv_eur,
      residual_value_pv_eur: o.lifetime.residual_value_pv_eur,
      lead_months: o.lead_months,
    });
  } else {
    const best = incs[0];
    why = best
      ? `its best first step (${options[best.to]?.label ?? '?'}) returns ${perEur(best.benefit, best.cost)}, below ${cut}: other schools gain more per euro.`
      : 'no option raises its score.';
    const bestOption = best ? options[best.to] : undefined;
    whyMessage =
      best && bestOption
        ? planMessage('not_funded', {
            option_id: bestOption.id,
            cutoff: lambda,
            ...(best.cost > 0 ? { benefit_per_eur: best.benefit / best.cost } : {}),
          })
        : planMessage('no_improvement');
    buys = 'nothing in this plan.';
    buysMessage = planMessage('buys_nothing');
  }
  const next = incs.find((inc) => inc.from === chosen);
  const nextOpt = next ? options[next.to] : undefined;
  const nextEuro =
    next && nextOpt
      ? `${fmtEur(next.cost)} more would buy ${nextOpt.label} (score ${nextOpt.score_after}, +${next.benefit.toFixed(1)} benefit: ${perEur(next.benefit, next.cost)}); across the plan the next euro buys ${lambda.toFixed(4)} benefit.`
      : `nothing more for this school; across the plan the next euro buys ${lambda.toFixed(4)} benefit.`;
  const nextEuroMessage =
    next && nextOpt
      ? planMessage('next_option', {
          option_id: nextOpt.id,
          cost_eur: next.cost,
          score_after: nextOpt.score_after,
          benefit: next.benefit,
          benefit_per_eur: next.cost > 0 ? next.benefit / next.cost : 0,
          cutoff: lambda,
        })
      : planMessage('next_nothing', { cutoff: lambda });
  return {
    school_id: school.id,
    school_name: school.name,
    option_id: o?.id ?? null,
    why,
    buys,
    next_euro: nextEuro,
    why_message: whyMessage,
    buys_message: buysMessage,
    next_euro_message: nextEuroMessage,
    options,
  };
}

const strict = { additionalProperties: false } as const;

/**
 * A documented instance (`plan --instance FILE`): `{"schools": [{"id",
 * "municipality"?, "mandatory"?, "options": [{"id", "cost_eur", "benefit",
 * "installs"?}]}]}`. No other keys: a misspelt `installs` would otherwise
 * leave an option outside the installer capacity unnoticed.
 */
export const PlanInstance = Type.Object(
  {
    schools: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          municipality: Type.Optional(Type.String()),
          mandatory: Type.Optional(Type.Boolean()),
          options: Type.Array(
            Type.Object(
              {
                id: Type.String(),
                cost_eur: Type.Number({ minimum: 0 }),
                // TypeBox refuses Infinity and NaN in a number: a benefit is finite.
                benefit: Type.Number(),
                // Installer capacity counts these: Infinity or a negative count would dodge the limit.
                installs: Type.Optional(Type.Integer({ minimum: 0 })),
              },
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
/** A documented instance. */
export type PlanInstance = Static<typeof PlanInstance>;

/** Checks a parsed instance file against {@link PlanInstance}; errors name the key, what it takes and what it got. */
export const parsePlanInstance: (value: unknown) => PlanInstance = createConfigCheck(
  PlanInstance,
  'instance',
);

/** The JSON answer for an instance: `selected`, `total_cost_eur`, `total_benefit`, `upper_bound`, and how it was found. */
export interface InstancePlan {
  selected: { school_id: string; option_id: string; cost_eur: number; benefit: number }[];
  total_cost_eur: number;
  total_benefit: number;
  upper_bound: number;
  optimal: boolean;
  gap: number;
  greedy_benefit: number;
  benefit_per_eur_at_cutoff: number;
}

/** Solves an instance file within `budget` (EUR; costs are rounded up to whole euros for the solver). */
export function solveInstance(
  instance: PlanInstance,
  budget: number,
  constraints: PlanConstraints = {},
  maxWork?: number,
): InstancePlan {
  const caps: Record<string, number> = {};
  if (typeof constraints.municipality_cap_eur === 'number') {
    for (const s of instance.schools) caps[s.municipality ?? ''] = constraints.municipality_cap_eur;
  } else if (constraints.municipality_cap_eur) Object.assign(caps, constraints.municipality_cap_eur);
  const maxInstalls =
    constraints.installs_per_month !== undefined && constraints.months_to_deadline !== undefined
      ? Math.floor(constraints.installs_per_month * constraints.months_to_deadline)
      : undefined;
  const solution = solveMckp(
    instance.schools.map((s) => ({
      id: s.id,
      group: s.municipality ?? '',
      mandatory: s.mandatory === true,
      options: s.options.map((o) => ({
        id: o.id,
        cost: Math.ceil(o.cost_eur),
        benefit: o.benefit,
        installs: o.installs ?? 1,
      })),
    })),
    {
      budget: Math.floor(budget),
      groupCaps: caps,
      ...(maxInstalls === undefined ? {} : { maxInstalls }),
      ...(maxWork === undefined ? {} : { maxWork }),
    },
  );
  const selected: InstancePlan['selected'] = [];
  solution.choice.forEach((j, i) => {
    const s = instance.schools[i];
    const o = s?.options[j];
    if (s && o) selected.push({ school_id: s.id, option_id: o.id, cost_eur: o.cost_eur, benefit: o.benefit });
  });
  return {
    selected,
    total_cost_eur: selected.reduce((a, s) => a + s.cost_eur, 0),
    total_benefit: solution.total_benefit,
    upper_bound: solution.upper_bound,
    optimal: solution.status === 'optimal',
    gap: solution.gap,
    greedy_benefit: solution.greedy_benefit,
    benefit_per_eur_at_cutoff: solution.lambda,
  };
}

/** Columns of a plan's table, in the order CSV and XLSX show them: every school, one row each. */
export const PLAN_COLUMNS = [
  'school_id',
  'school_name',
  'municipality',
  'pupils',
  'status',
  'evidence_school_days',
  'evidence_ok',
  'option_id',
  'label',
  'programme_cost_eur',
  'survey_cost_eur',
  'owner_capex_eur',
  'owner_running_pv_eur',
  'renewals_pv_eur',
  'residual_value_pv_eur',
  'lifetime_cost_eur',
  'opex_eur_per_year',
  'lead_months',
  'floor_before',
  'floor_after',
  'target_before',
  'target_after',
  'score_before',
  'score_after',
  'benefit',
  'owner_action',
  'operator_to_confirm',
  'provisional_option',
  'provisional_cost_eur',
  'why',
] as const satisfies readonly (keyof PlanRow)[];

/** Every school of a plan as rows of {@link PLAN_COLUMNS} values (booleans as `true`/`false`). */
export function planRows(plan: Plan): (string | number)[][] {
  return plan.schools.map((r) => PLAN_COLUMNS.map((c) => (typeof r[c] === 'boolean' ? String(r[c]) : r[c])));
}

/**
 * Every school of a plan as CSV (RFC 4180), one row each; text that looks
 * like a formula stays text. `semicolon` is the dialect Excel with Latvian
 * regional settings opens in columns (see `CsvDelimiter`).
 */
export function planToCsv(plan: Plan, delimiter: CsvDelimiter = 'comma'): string {
  return toCsv(PLAN_COLUMNS, planRows(plan), delimiter);
}
