import type { InstancePlan, Plan } from './planning/plan.js';

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
 * 1,234.56, optimal, synthetic`: what a planner needs to see before
 * opening 2 MB of JSON. The gap follows a status that is not optimal.
 */
export function planSummary(t: PlanTotals): string {
  const status = t.status === 'optimal' ? 'optimal' : `${t.status} (gap ${(t.gap * 100).toFixed(3)}%)`;
  return (
    `plan: ${t.funded} ${t.funded === 1 ? 'school' : 'schools'} funded, ` +
    `${EUR.format(t.total_cost_eur)} EUR of ${EUR.format(t.budget_eur)} EUR, ` +
    `benefit ${BENEFIT.format(t.total_benefit)}, ${status}${t.synthetic ? ', synthetic' : ''}`
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

/** The funded schools of a plan as a table for a terminal, in the plan's order. */
export function planTable(plan: Plan): string[] {
  return table(
    [
      { title: 'school', align: 'left' },
      { title: 'municipality', align: 'left' },
      { title: 'pupils', align: 'right' },
      { title: 'option', align: 'left' },
      { title: 'cost EUR', align: 'right' },
      { title: 'score', align: 'right' },
    ],
    plan.selected.map((s) => [
      s.school_name,
      s.municipality,
      String(s.pupils),
      shorten(s.label, MAX_OPTION_CHARS),
      EUR.format(s.cost_eur),
      `${Math.round(s.score_before)} → ${Math.round(s.score_after)}`,
    ]),
  );
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
