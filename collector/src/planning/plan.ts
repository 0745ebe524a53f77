import { ErrorCodes, SkolnetError, toCsv } from '@skolnet/shared';
import type { ScoringConfig } from '../scoring/score-config.js';
import type { CostCatalog } from './catalog.js';
import { solveMckp, type McSchool, type McSolution } from './mckp.js';
import {
  DEFAULT_BENEFIT_WEIGHTS,
  generateOptions,
  type BenefitWeights,
  type PlanSchool,
  type UpgradeOption,
} from './options.js';

/**
 * The upgrade plan: options per school, the optimiser, and an explanation
 * for every school. Pure; the CLI and the API feed it plain data.
 */

/** The ministry's programme budget, EUR (issue 8). */
export const DEFAULT_BUDGET_EUR = 18_090_300;

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
  capex_eur: number;
  opex_eur_per_year: number;
  lifetime_years: number;
  score_before: number;
  score_after: number;
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
}

function fmtEur(v: number): string {
  return `${Math.round(v).toLocaleString('en-US')} EUR`;
}

/** Builds the plan: options, optimiser, greedy ranking and explanations. */
export function buildPlan(input: PlanInput): Plan {
  const weights = input.weights ?? DEFAULT_BENEFIT_WEIGHTS;
  const c = input.constraints ?? {};
  if (!(input.budget_eur >= 0))
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, 'budget must be >= 0 EUR');
  const planned: { school: PlanSchool; options: UpgradeOption[] }[] = [];
  const unscored: string[] = [];
  const unreachable: string[] = [];
  const mc: McSchool[] = [];
  for (const school of input.schools) {
    const options = generateOptions(school, input.catalog, input.scoring, weights);
    if (options.length === 0) {
      if (options.length === 0 && !hasScore(school, input)) unscored.push(school.id);
      continue;
    }
    let usable = options;
    let mandatory = false;
    const before = options[0]?.score_before ?? 0;
    if (c.min_score !== undefined && before < c.min_score) {
      const reaching = options.filter((o) => o.score_after >= (c.min_score as number));
      if (reaching.length > 0) {
        usable = reaching;
        mandatory = true;
      } else {
        unreachable.push(school.id);
      }
    }
    planned.push({ school, options: usable });
    mc.push({
      id: school.id,
      group: school.municipality,
      mandatory,
      options: usable.map((o) => ({ id: o.id, cost: o.cost_eur, benefit: o.benefit, installs: o.installs })),
    });
  }
  const groupCaps: Record<string, number> = {};
  if (typeof c.municipality_cap_eur === 'number') {
    for (const s of planned) groupCaps[s.school.municipality] = c.municipality_cap_eur;
  } else if (c.municipality_cap_eur) {
    Object.assign(groupCaps, c.municipality_cap_eur);
  }
  const maxInstalls =
    c.installs_per_month !== undefined && c.months_to_deadline !== undefined
      ? Math.floor(c.installs_per_month * c.months_to_deadline)
      : undefined;
  const solution = solveMckp(mc, {
    budget: Math.floor(input.budget_eur),
    groupCaps,
    ...(maxInstalls === undefined ? {} : { maxInstalls }),
    ...(input.max_work === undefined ? {} : { maxWork: input.max_work }),
  });
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
      capex_eur: o.capex_eur,
      opex_eur_per_year: o.opex_eur_per_year,
      lifetime_years: o.lifetime_years,
      score_before: o.score_before,
      score_after: o.score_after,
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
  const sideConstraints = Object.keys(groupCaps).length > 0 || maxInstalls !== undefined;
  return {
    synthetic: input.schools.some((s) => s.synthetic === true),
    budget_eur: input.budget_eur,
    status: solution.status,
    optimal: solution.status === 'optimal',
    selected,
    total_cost_eur: solution.total_cost,
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
  };
}

function hasScore(school: PlanSchool, input: PlanInput): boolean {
  return (
    generateOptions(school, input.catalog, input.scoring).length > 0 || school.figures.download_samples > 0
  );
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
  if (o) {
    const ratio = o.cost_eur > 0 ? o.benefit / o.cost_eur : Infinity;
    why =
      o.cost_eur === 0
        ? `${o.label}: costs nothing and raises the score, so every plan takes it.`
        : `${o.label}: ${perEur(o.benefit, o.cost_eur)} overall against ${cut}` +
          (ratio >= lambda
            ? '; the optimiser found no other combination within the budget and constraints with more total benefit.'
            : '; below the cut-off, it uses money the better steps left over, which the optimiser found worth more here than anywhere else.');
    buys = `score ${o.score_before} → ${o.score_after} for ${school.pupils} pupils (benefit ${o.benefit}) for ${fmtEur(o.cost_eur)} (capex ${fmtEur(o.capex_eur)}, ${o.opex_eur_per_year >= 0 ? '+' : ''}${fmtEur(o.opex_eur_per_year)}/year, ${o.lifetime_years} years).`;
  } else {
    const best = incs[0];
    why = best
      ? `its best first step (${options[best.to]?.label ?? '?'}) returns ${perEur(best.benefit, best.cost)}, below ${cut}: other schools gain more per euro.`
      : 'no option raises its score.';
    buys = 'nothing in this plan.';
  }
  const next = incs.find((inc) => inc.from === chosen);
  const nextOpt = next ? options[next.to] : undefined;
  const nextEuro =
    next && nextOpt
      ? `${fmtEur(next.cost)} more would buy ${nextOpt.label} (score ${nextOpt.score_after}, +${next.benefit.toFixed(1)} benefit: ${perEur(next.benefit, next.cost)}); across the plan the next euro buys ${lambda.toFixed(4)} benefit.`
      : `nothing more for this school; across the plan the next euro buys ${lambda.toFixed(4)} benefit.`;
  return {
    school_id: school.id,
    school_name: school.name,
    option_id: o?.id ?? null,
    why,
    buys,
    next_euro: nextEuro,
    options,
  };
}

/** A documented instance: `{"schools": [{"id", "municipality"?, "options": [{"id", "cost_eur", "benefit", "installs"?}]}]}`. */
export interface PlanInstance {
  schools: {
    id: string;
    municipality?: string;
    mandatory?: boolean;
    options: { id: string; cost_eur: number; benefit: number; installs?: number }[];
  }[];
}

function bad(key: string, expected: string): never {
  throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `instance: ${key}: expected ${expected}`);
}

/** Validates a parsed instance file; errors name the key. */
export function parsePlanInstance(value: unknown): PlanInstance {
  const root = value as { schools?: unknown };
  if (typeof value !== 'object' || value === null || !Array.isArray(root.schools)) bad('schools', 'a list');
  (root.schools as unknown[]).forEach((s, i) => {
    const school = s as Record<string, unknown>;
    if (typeof s !== 'object' || s === null) bad(`schools[${i}]`, 'an object');
    if (typeof school['id'] !== 'string') bad(`schools[${i}].id`, 'a string');
    if (school['municipality'] !== undefined && typeof school['municipality'] !== 'string')
      bad(`schools[${i}].municipality`, 'a string');
    if (!Array.isArray(school['options'])) bad(`schools[${i}].options`, 'a list');
    (school['options'] as unknown[]).forEach((o, j) => {
      const opt = o as Record<string, unknown>;
      const key = `schools[${i}].options[${j}]`;
      if (typeof o !== 'object' || o === null) bad(key, 'an object');
      if (typeof opt['id'] !== 'string') bad(`${key}.id`, 'a string');
      const cost = opt['cost_eur'];
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0)
        bad(`${key}.cost_eur`, 'a number >= 0');
      const benefit = opt['benefit'];
      if (typeof benefit !== 'number' || !Number.isFinite(benefit)) bad(`${key}.benefit`, 'a finite number');
      // Installer capacity counts these: Infinity or a negative count would dodge the limit.
      const installs = opt['installs'];
      if (installs !== undefined && !(Number.isInteger(installs) && (installs as number) >= 0))
        bad(`${key}.installs`, 'a whole number >= 0');
    });
    if (school['mandatory'] !== undefined && typeof school['mandatory'] !== 'boolean')
      bad(`schools[${i}].mandatory`, 'true or false');
  });
  return value as PlanInstance;
}

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

/** Columns of a plan's selection table, in the order CSV and xlsx show them. */
export const PLAN_COLUMNS = [
  'school_id',
  'school_name',
  'municipality',
  'pupils',
  'option_id',
  'label',
  'cost_eur',
  'capex_eur',
  'opex_eur_per_year',
  'lifetime_years',
  'score_before',
  'score_after',
  'benefit',
] as const satisfies readonly (keyof PlanSelection)[];

/** The selected options as rows of {@link PLAN_COLUMNS} values. */
export function planRows(plan: Plan): (string | number)[][] {
  return plan.selected.map((s) => PLAN_COLUMNS.map((c) => s[c]));
}

/** The selected options as CSV (RFC 4180), one row per school; text that looks like a formula stays text. */
export function planToCsv(plan: Plan): string {
  return toCsv(PLAN_COLUMNS, planRows(plan));
}
