import type { GreedyStep, PlanResult, PlanSelection } from '../../api/types.js';

/** The plan explorer's inputs, as the URL's query string carries them (the plan API's own names). */
export const PLAN_PARAMS = [
  'budget',
  'min_score',
  'municipality_cap',
  'installs_per_month',
  'months',
] as const;
/** One of {@link PLAN_PARAMS}. */
export type PlanParam = (typeof PLAN_PARAMS)[number];

/**
 * The plan API's query for the explorer's URL: only the known inputs,
 * only finite non-negative numbers, so a hand-edited URL cannot send
 * anything else.
 */
export function planQuery(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of PLAN_PARAMS) {
    const raw = query.get(key);
    if (raw === null || raw.trim() === '') continue;
    const value = Number(raw);
    if (Number.isFinite(value) && value >= 0) out.set(key, String(value));
  }
  return out;
}

/** EUR and schools the plan funds in one municipality. */
export interface MunicipalitySpend {
  name: string;
  schools: number;
  pupils: number;
  cost_eur: number;
  benefit: number;
}

/** The plan's spending per municipality, largest first. */
export function spendByMunicipality(selected: readonly PlanSelection[]): MunicipalitySpend[] {
  const byName = new Map<string, MunicipalitySpend>();
  for (const s of selected) {
    const m = byName.get(s.municipality) ?? {
      name: s.municipality,
      schools: 0,
      pupils: 0,
      cost_eur: 0,
      benefit: 0,
    };
    m.schools += 1;
    m.pupils += s.pupils;
    m.cost_eur += s.cost_eur;
    m.benefit += s.benefit;
    byName.set(s.municipality, m);
  }
  return [...byName.values()].sort((a, b) => b.cost_eur - a.cost_eur);
}

/** The greedy ranking's outcome: what funding steps in benefit-per-euro order buys. */
export interface GreedySummary {
  cost_eur: number;
  benefit: number;
  schools: number;
  /** The last step the budget covers, and the first it does not: the cut-off. */
  lastFunded: GreedyStep | undefined;
  firstUnfunded: GreedyStep | undefined;
}

/** Summarises the greedy ranking of a plan. */
export function summarizeGreedy(plan: PlanResult): GreedySummary {
  const steps = [...plan.greedy].sort((a, b) => a.rank - b.rank);
  const funded = steps.filter((s) => s.funded);
  return {
    cost_eur: funded.reduce((sum, s) => sum + s.cost_eur, 0),
    benefit: plan.greedy_benefit,
    schools: new Set(funded.map((s) => s.school_id)).size,
    lastFunded: funded.at(-1),
    firstUnfunded: steps.find((s) => !s.funded),
  };
}

/**
 * The query of a plan export link: the page's plan parameters, the format,
 * and what the reader's spreadsheet needs. A Latvian reader's Excel splits
 * CSV on `;` and reads a decimal comma (Latvian regional settings), so the
 * Latvian page asks for `delimiter=semicolon` (which also starts the file
 * with a UTF-8 BOM); the English page keeps RFC 4180 commas. The xlsx gets
 * headers in the page's language.
 */
export function exportQuery(
  planParams: URLSearchParams | string,
  format: 'csv' | 'xlsx' | 'json',
  lang: 'lv' | 'en',
): URLSearchParams {
  const q = new URLSearchParams(planParams);
  q.set('format', format);
  if (format === 'xlsx') q.set('lang', lang);
  if (format === 'csv' && lang === 'lv') q.set('delimiter', 'semicolon');
  return q;
}
