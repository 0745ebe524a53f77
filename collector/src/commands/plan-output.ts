import type { InstancePlan, Plan, ThresholdCounts } from '../planning/plan.js';
import type { ScenarioReport } from '../planning/scenarios.js';

/** What the one-line summary of a plan needs; both kinds of plan have it. */
export interface PlanTotals {
  /** Schools funded: one selected option each. */
  funded: number;
  total_cost_eur: number;
  budget_eur: number;
  total_benefit: number;
  status: Plan['status'];
  /** Relative gap to the LP bound when not proven optimal. */
  gap: number;
  synthetic: boolean;
  /** Over the plan's horizon, present values; absent for an instance plan. */
  lifetime?: {
    programme_eur: number;
    owner_eur: number;
    residual_eur: number;
    total_eur: number;
    horizon_years: number;
    surveys: number;
  };
}

const EUR = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const BENEFIT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** The totals of a plan over the collector's data. */
export function planTotals(plan: Plan): PlanTotals {
  return {
    funded: plan.selected.length,
    total_cost_eur: plan.total_cost_eur,
    budget_eur: plan.budget_eur,
    total_benefit: plan.total_benefit,
    status: plan.status,
    gap: plan.gap,
    synthetic: plan.synthetic,
    lifetime: {
      programme_eur: plan.summary.programme_cost_eur,
      owner_eur: plan.summary.owner_cost_pv_eur,
      residual_eur: plan.summary.residual_value_pv_eur,
      total_eur: plan.summary.lifetime_cost_eur,
      horizon_years: plan.summary.horizon_years,
      surveys: plan.schools.filter((r) => r.survey_cost_eur > 0).length,
    },
  };
}

/** The totals of a plan solved from an instance file (never synthetic: the file says nothing of it). */
export function instanceTotals(plan: InstancePlan, budgetEur: number): PlanTotals {
  return {
    funded: plan.selected.length,
    total_cost_eur: plan.total_cost_eur,
    budget_eur: budgetEur,
    total_benefit: plan.total_benefit,
    status: plan.optimal ? 'optimal' : 'feasible',
    gap: plan.gap,
    synthetic: false,
  };
}

/**
 * `plan: 57 schools funded, 18,089,112 EUR of 18,090,300 EUR, benefit
 * 1,234.56, optimal, synthetic; 3 surveys; lifetime cost … (programme …,
 * school owners …)`: what a planner needs to see before opening 2 MB of
 * JSON. The gap follows a status that is not optimal; the lifetime part
 * is left out for an instance plan.
 */
export function planSummary(t: PlanTotals): string {
  const status = t.status === 'optimal' ? 'optimal' : `${t.status} (gap ${(t.gap * 100).toFixed(3)}%)`;
  const life = t.lifetime
    ? `; ${t.lifetime.surveys} ${t.lifetime.surveys === 1 ? 'survey' : 'surveys'}; lifetime cost ${EUR.format(t.lifetime.total_eur)} EUR over ${t.lifetime.horizon_years} years (programme ${EUR.format(t.lifetime.programme_eur)}, school owners ${EUR.format(t.lifetime.owner_eur)}, less residual value ${EUR.format(t.lifetime.residual_eur)})`
    : '';
  return (
    `plan: ${t.funded} ${t.funded === 1 ? 'school' : 'schools'} funded, ` +
    `${EUR.format(t.total_cost_eur)} EUR of ${EUR.format(t.budget_eur)} EUR, ` +
    `benefit ${BENEFIT.format(t.total_benefit)}, ${status}${t.synthetic ? ', synthetic' : ''}${life}`
  );
}

/**
 * Longest option description in a terminal table, characters: with the
 * other columns the row fits a 120-column terminal. JSON, CSV and xlsx
 * keep the whole text.
 */
const MAX_OPTION_CHARS = 60;

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

type Align = 'left' | 'right';

/** Lines of a plain-text table: columns padded to their widest cell, two spaces apart. */
function table(columns: readonly { title: string; align: Align }[], rows: readonly string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) =>
        columns[i]?.align === 'right' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)];
}

/** Every school of a plan as a table for a terminal, in the plan's order. */
export function planTable(plan: Plan): string[] {
  const mark = (before: boolean, after: boolean): string =>
    `${before ? 'yes' : 'no'}→${after ? 'yes' : 'no'}`;
  return table(
    [
      { title: 'school', align: 'left' },
      { title: 'municipality', align: 'left' },
      { title: 'pupils', align: 'right' },
      { title: 'status', align: 'left' },
      { title: 'option', align: 'left' },
      { title: 'programme EUR', align: 'right' },
      { title: 'lifetime EUR', align: 'right' },
      { title: 'floor', align: 'left' },
      { title: 'target', align: 'left' },
    ],
    plan.schools.map((r) => [
      r.school_name,
      r.municipality,
      String(r.pupils),
      r.status,
      shorten(r.label || r.provisional_option || r.owner_action, MAX_OPTION_CHARS),
      EUR.format(r.programme_cost_eur + r.survey_cost_eur),
      EUR.format(r.lifetime_cost_eur),
      mark(r.floor_before, r.floor_after),
      mark(r.target_before, r.target_after),
    ]),
  );
}

function thresholdLine(name: string, t: ThresholdCounts): string {
  const per = (v: number | null): string => (v === null ? 'n/a' : `${EUR.format(v)} EUR`);
  return (
    `${name}: ${t.schools_before} → ${t.schools_after} schools, ${EUR.format(t.pupils_before)} → ${EUR.format(t.pupils_after)} pupils; ` +
    `reached: ${EUR.format(t.vulnerable_reached)} vulnerable, ${EUR.format(t.supported_reached)} with support plans; ` +
    `per pupil reached: programme ${per(t.programme_eur_per_pupil)}, lifetime ${per(t.lifetime_eur_per_pupil)}`
  );
}

/** The plan's summary for planners and auditors: budget and its source, who pays, thresholds, evidence, groups. */
export function planReport(plan: Plan): string[] {
  const s = plan.summary;
  const b = s.budget;
  const groupTable = (title: string, groups: typeof s.by_size): string[] =>
    table(
      [
        { title, align: 'left' },
        { title: 'schools', align: 'right' },
        { title: 'funded', align: 'right' },
        { title: 'surveys', align: 'right' },
        { title: 'programme EUR', align: 'right' },
        { title: 'floor', align: 'right' },
        { title: 'target', align: 'right' },
      ],
      groups.map((g) => [
        g.group,
        String(g.schools),
        String(g.funded),
        String(g.surveys),
        EUR.format(g.programme_cost_eur),
        `${g.floor_schools_before} → ${g.floor_schools_after}`,
        `${g.target_schools_before} → ${g.target_schools_after}`,
      ]),
    );
  const lines = [
    `objective: ${s.objective} (discount rate ${(s.discount_rate * 100).toFixed(1)}%, horizon ${s.horizon_years} years)`,
    `budget: ${EUR.format(b.budget_eur)} EUR ${b.includes_vat ? 'gross (VAT included)' : 'net (VAT excluded)'}; source: ${b.source}`,
    `laptops (beside the network strand): ${b.laptops_spend_eur === null ? 'not recorded' : `${EUR.format(b.laptops_spend_eur)} EUR`}`,
    `programme money: ${EUR.format(s.programme_cost_eur)} EUR (surveys ${EUR.format(s.surveys_cost_eur)}); school owners over the horizon (PV): ${EUR.format(s.owner_cost_pv_eur)} EUR; less residual value at the horizon: ${EUR.format(s.residual_value_pv_eur)} EUR; lifetime cost: ${EUR.format(s.lifetime_cost_eur)} EUR`,
    thresholdLine('floor', s.floor),
    thresholdLine('target', s.target),
    `evidence: ${s.lacking_evidence.schools.length} schools get a survey first: ${s.line_unknown.length} with an unknown line, ${s.lacking_evidence.schools.length - s.line_unknown.length} with fewer than ${s.lacking_evidence.min_school_days} school days of throughput results`,
    `owner actions listed (subscriptions, repair claims): ${s.owner_actions}`,
    `delivery: ${s.delivery}${plan.late_options.length > 0 ? `; ${plan.late_options.length} options left out as late` : ''}`,
    '',
    ...groupTable('size', s.by_size),
    '',
    ...groupTable('municipality', s.by_municipality),
  ];
  return lines;
}

/** A scenario report as a table for a terminal: scenarios, then the schools whose funding depends on them. */
export function scenarioTable(report: ScenarioReport): string[] {
  return [
    ...table(
      [
        { title: 'scenario', align: 'left' },
        { title: 'change', align: 'left' },
        { title: 'funded', align: 'right' },
        { title: 'programme EUR', align: 'right' },
        { title: 'floor schools', align: 'right' },
        { title: 'target schools', align: 'right' },
        { title: 'changed', align: 'right' },
      ],
      report.scenarios.map((r) => [
        r.name,
        r.change,
        String(r.funded_schools),
        EUR.format(r.programme_cost_eur),
        String(r.floor_schools_after),
        String(r.target_schools_after),
        String(r.changed_from_base),
      ]),
    ),
    '',
    `schools funded in every scenario: ${report.robust}; in none: ${report.never}; in some: ${report.sensitive}`,
    ...table(
      [
        { title: 'school', align: 'left' },
        { title: 'base option', align: 'left' },
        { title: 'funded share', align: 'right' },
        { title: 'not funded in', align: 'left' },
      ],
      report.schools
        .filter((s) => s.funded_share > 0 && s.funded_share < 1)
        .map((s) => [
          s.school_name,
          s.base_option,
          `${Math.round(s.funded_share * 100)}%`,
          s.unfunded_in.join(' '),
        ]),
    ),
  ];
}

/** The funded schools of an instance plan as a table for a terminal. */
export function instanceTable(plan: InstancePlan): string[] {
  return table(
    [
      { title: 'school', align: 'left' },
      { title: 'option', align: 'left' },
      { title: 'cost EUR', align: 'right' },
      { title: 'benefit', align: 'right' },
    ],
    plan.selected.map((s) => [s.school_id, s.option_id, EUR.format(s.cost_eur), BENEFIT.format(s.benefit)]),
  );
}
