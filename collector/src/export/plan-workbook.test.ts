import { describe, expect, it } from 'vitest';
import { missingComponent } from '../../../test/support/real-component.js';
import {
  findOpenpyxlPython,
  readXlsx,
  type XlsxCell,
  type XlsxSheet,
} from '../../../test/support/openpyxl.js';
import {
  PLAN_COLUMNS,
  type Plan,
  type PlanRow,
  type PlanSelection,
  type PlanSummary,
} from '../planning/plan.js';
import { PLAN_COLUMN_INFO } from '../planning/plan-labels.js';
import { excelSheetNames, MAX_SHEET_NAME_CHARS, planWorkbook } from './plan-workbook.js';

const python = findOpenpyxlPython();
const noOpenpyxl = missingComponent(
  'python3 with openpyxl',
  python !== undefined,
  'Debian package python3-openpyxl: apt-get install python3-openpyxl',
);

const NOW = new Date('2026-03-10T12:00:00.000Z');

/** A funded school (synthetic: hand-written in the plan's shape). */
function selection(
  over: Partial<PlanSelection> & Pick<PlanSelection, 'school_id' | 'municipality'>,
): PlanSelection {
  return {
    option_id: `${over.school_id}-fibre`,
    cost_eur: 10_000,
    benefit: 12.5,
    school_name: `Skola ${over.school_id}`,
    pupils: 100,
    kind: 'fibre',
    label: 'fibre to the school, 1 Gbit/s',
    label_parts: [{ code: 'new_fibre', params: { distance_m: 500, down_mbps: 1000, up_mbps: 1000 } }],
    capex_eur: 9_000,
    opex_eur_per_year: 200,
    lifetime_years: 15,
    score_before: 41.5,
    score_after: 88.25,
    lifetime_cost_eur: 12_000,
    owner_lifetime_cost_eur: 2_000,
    lead_months: 6,
    floor_after: true,
    target_after: true,
    ...over,
  };
}

/** The plan's row of a funded school (synthetic, from its selection). */
function rowOf(s: PlanSelection): PlanRow {
  return {
    school_id: s.school_id,
    school_name: s.school_name,
    municipality: s.municipality,
    pupils: s.pupils,
    status: 'funded',
    evidence_school_days: 5,
    evidence_ok: true,
    option_id: s.option_id,
    label: s.label,
    programme_cost_eur: s.cost_eur,
    survey_cost_eur: 0,
    owner_capex_eur: s.capex_eur - s.cost_eur,
    owner_running_pv_eur: s.opex_eur_per_year * 10,
    renewals_pv_eur: 0,
    residual_value_pv_eur: 0,
    lifetime_cost_eur: s.lifetime_cost_eur,
    opex_eur_per_year: s.opex_eur_per_year,
    lead_months: s.lead_months,
    floor_before: false,
    floor_after: s.floor_after,
    target_before: false,
    target_after: s.target_after,
    score_before: s.score_before,
    score_after: s.score_after,
    benefit: s.benefit,
    owner_action: '',
    operator_to_confirm: false,
    provisional_option: '',
    provisional_cost_eur: '',
    why: 'because',
  };
}

/** A plan's summary over its rows (synthetic figures where the workbook only copies them). */
function summaryOf(rows: readonly PlanRow[]): PlanSummary {
  const counts = {
    schools_before: 0,
    schools_after: rows.length,
    pupils_before: 0,
    pupils_after: rows.reduce((n, r) => n + r.pupils, 0),
    vulnerable_reached: 0,
    supported_reached: 0,
    programme_eur_per_pupil: 100,
    lifetime_eur_per_pupil: 120,
  };
  const programme = rows.reduce((n, r) => n + r.programme_cost_eur + r.survey_cost_eur, 0);
  return {
    objective: 'cost_effectiveness',
    discount_rate: 0.05,
    horizon_years: 15,
    budget: {
      budget_eur: 100_000,
      source: 'synthetic test budget',
      includes_vat: true,
      laptops_spend_eur: null,
    },
    programme_cost_eur: programme,
    surveys_cost_eur: 0,
    owner_cost_pv_eur: 0,
    residual_value_pv_eur: 0,
    lifetime_cost_eur: programme,
    floor: counts,
    target: counts,
    lacking_evidence: { min_school_days: 3, schools: [] },
    line_unknown: [],
    owner_actions: 0,
    by_municipality: [],
    by_size: [],
    delivery: 'not applied',
    delivery_message: { code: 'delivery_not_checked', params: {} },
  };
}

/** Municipality names that break Excel's sheet-name rules in every way the rules list. */
const HOSTILE_MUNICIPALITY = 'Rīga/Jūrmala: [centrs]*?\\';
const LONG_A = 'Dienvidkurzemes novads un vēl daudz citu vārdu A';
const LONG_B = 'Dienvidkurzemes novads un vēl daudz citu vārdu B';

/** A plan over hostile names and figures: formulas as names, a negative running cost, sheet-name clashes. */
function hostilePlan(): Plan {
  const selected = [
    selection({
      school_id: 's1',
      municipality: 'Rēzekne',
      school_name: '=HYPERLINK("http://example.invalid","x")',
    }),
    selection({
      school_id: 's2',
      municipality: 'Rēzekne',
      school_name: "+cmd|' /C calc'!A0",
      cost_eur: 2_500,
      capex_eur: 3_000,
      opex_eur_per_year: -100,
      pupils: 37,
      benefit: 0.1,
    }),
    selection({
      school_id: 's3',
      municipality: HOSTILE_MUNICIPALITY,
      school_name: '@SUM(1+1)',
      benefit: 0.2,
    }),
    selection({ school_id: 's4', municipality: LONG_A, school_name: 'Skola\u0007 ar zvanu' }),
    selection({ school_id: 's5', municipality: LONG_B }),
    // A municipality named like a fixed sheet and like Excel's reserved one.
    selection({ school_id: 's6', municipality: 'Plāns' }),
    selection({ school_id: 's7', municipality: 'history' }),
  ];
  const total = selected.reduce((n, s) => n + s.cost_eur, 0);
  const schools = selected.map(rowOf);
  return {
    schools,
    summary: summaryOf(schools),
    synthetic: true,
    budget_eur: 100_000,
    status: 'optimal',
    optimal: true,
    selected,
    total_cost_eur: total,
    total_benefit: selected.reduce((n, s) => n + s.benefit, 0),
    upper_bound: 80,
    gap: 0.0125,
    benefit_per_eur_at_cutoff: 0.00123,
    greedy_benefit: 70,
    greedy: [
      {
        rank: 1,
        school_id: 's1',
        from_option: null,
        to_option: 's1-fibre',
        cost_eur: 10_000,
        benefit: 12.5,
        benefit_per_eur: 0.00125,
        cumulative_cost_eur: 10_000,
        funded: true,
      },
    ],
    explanations: selected.map((s) => ({
      school_id: s.school_id,
      school_name: s.school_name,
      option_id: s.option_id,
      why: 'because',
      buys: 'a line',
      next_euro: 'nothing more',
      why_message: { code: 'no_improvement', params: {} },
      buys_message: { code: 'buys_nothing', params: {} },
      next_euro_message: null,
      options: [],
    })),
    unscored: ['s9'],
    min_score_unreachable: [],
    late_options: [],
    solver: { nodes: 1, core_schools: 0, exact_with_side_constraints: true },
    constraints: {},
  };
}

/** Excel's letters of a 0-based column index: A … Z, AA … */
function letters(index: number): string {
  return index < 26
    ? String.fromCharCode(65 + index)
    : letters(Math.floor(index / 26) - 1) + letters(index % 26);
}
/** The last column of the plan's table. */
const LAST = letters(PLAN_COLUMNS.length - 1);

const values = (row: readonly XlsxCell[] | undefined): unknown[] => (row ?? []).map((c) => c.value);
const sheet = (book: XlsxSheet[], name: string): XlsxSheet => {
  const found = book.find((s) => s.name === name);
  if (found === undefined) throw new Error(`no sheet ${name} in ${book.map((s) => s.name).join(', ')}`);
  return found;
};

describe('plan column labels', () => {
  it('gives every plan column a Latvian and an English header, distinct within each language', () => {
    for (const column of PLAN_COLUMNS) {
      const info = PLAN_COLUMN_INFO[column];
      expect(info, column).toBeDefined();
      expect(info.lv.trim(), `${column} lv`).not.toBe('');
      expect(info.en.trim(), `${column} en`).not.toBe('');
    }
    for (const lang of ['lv', 'en'] as const) {
      const headers = PLAN_COLUMNS.map((c) => PLAN_COLUMN_INFO[c][lang]);
      expect(new Set(headers).size).toBe(headers.length);
    }
    // No labels for columns that no longer exist.
    expect(Object.keys(PLAN_COLUMN_INFO).sort()).toEqual([...PLAN_COLUMNS].sort());
  });
});

describe('excelSheetNames', () => {
  it("follows Excel's rules: 31 characters, none of []:*?/\\, no edge apostrophes, unique ignoring case", () => {
    const names = excelSheetNames([
      'Plan',
      'plan',
      HOSTILE_MUNICIPALITY,
      LONG_A,
      LONG_B,
      "'quoted'",
      '',
      'History',
      '😀'.repeat(20),
    ]);
    for (const n of names) {
      expect(n.length).toBeGreaterThan(0);
      expect(n.length).toBeLessThanOrEqual(MAX_SHEET_NAME_CHARS);
      expect(n).not.toMatch(/[[\]:*?/\\]/);
      expect(n).not.toMatch(/^'|'$/);
      // No lone surrogate: a cut never splits a character.
      expect(() => encodeURIComponent(n)).not.toThrow();
    }
    expect(new Set(names.map((n) => n.toUpperCase())).size).toBe(names.length);
    expect(names[0]).toBe('Plan');
    expect(names[1]).toBe('plan (2)');
    expect(names[2]).toBe('Rīga Jūrmala centrs');
    expect(names[5]).toBe('quoted');
    expect(names[6]).toBe('Sheet');
    expect(names[7]).toBe('History (2)');
  });
});

describe.skipIf(noOpenpyxl)('plan workbook, read back by openpyxl', () => {
  it('has Latvian headers by default, formats, frozen headers, filters, totals and a sheet per municipality', async () => {
    const plan = hostilePlan();
    const book = readXlsx(python!, await planWorkbook(plan, { now: NOW }));
    const names = book.map((s) => s.name);
    expect(names.slice(0, 4)).toEqual(['Kopsavilkums', 'Plāns', 'Alkatīgā secība', 'Skaidrojumi']);
    const municipalities = [...new Set(plan.schools.map((s) => s.municipality))];
    expect(names).toHaveLength(4 + municipalities.length);
    for (const n of names) {
      expect(n.length).toBeLessThanOrEqual(MAX_SHEET_NAME_CHARS);
      expect(n).not.toMatch(/[[\]:*?/\\]/);
    }
    expect(new Set(names.map((n) => n.toUpperCase())).size).toBe(names.length);
    expect(names).toContain('Plāns (2)');
    expect(names).toContain('history (2)');

    const main = sheet(book, 'Plāns');
    expect(values(main.rows[0])).toEqual(PLAN_COLUMNS.map((c) => PLAN_COLUMN_INFO[c].lv));
    expect(main.freeze_panes).toBe('A2');
    expect(main.auto_filter).toBe(`A1:${LAST}${plan.schools.length + 1}`);
    const data = main.rows.slice(1, plan.schools.length + 1);
    expect(data).toHaveLength(plan.schools.length);
    const col = (name: (typeof PLAN_COLUMNS)[number]): number => PLAN_COLUMNS.indexOf(name);
    data.forEach((row, i) => {
      const s = plan.schools[i]!;
      // Names that look like formulas are strings, not formulas; control characters, which XML cannot carry, are left out (exceljs does).
      expect(row[col('school_name')]).toMatchObject({
        value: s.school_name.replace('\u0007', ''),
        type: 's',
      });
      expect(row[col('pupils')]).toMatchObject({ value: s.pupils, type: 'n', format: '#,##0' });
      expect(row[col('programme_cost_eur')]).toMatchObject({ value: s.programme_cost_eur, type: 'n' });
      expect(row[col('programme_cost_eur')]!.format).toContain('€');
      // Yes/no columns are real booleans, not the text the CSV carries.
      expect(row[col('floor_after')]).toMatchObject({ value: true, type: 'b' });
      // A negative running cost stays a negative number.
      expect(row[col('opex_eur_per_year')]).toMatchObject({ value: s.opex_eur_per_year, type: 'n' });
      expect(row[col('score_after')]).toMatchObject({ value: s.score_after, format: '0.0' });
      expect(row[col('benefit')]).toMatchObject({ value: s.benefit, format: '#,##0.00' });
    });
    const totals = main.rows[plan.schools.length + 1]!;
    expect(totals[0]!.value).toBe('Kopā');
    const last = plan.schools.length + 1;
    for (const c of PLAN_COLUMNS) {
      const cell = totals[col(c)];
      if (!PLAN_COLUMN_INFO[c].total || col(c) === 0) {
        expect(cell?.value ?? null, c).toBe(col(c) === 0 ? 'Kopā' : null);
        continue;
      }
      const letter = letters(col(c));
      expect(cell, c).toMatchObject({ type: 'f', value: `=SUM(${letter}2:${letter}${last})` });
      const sum = plan.schools.reduce((n, s) => n + (typeof s[c] === 'number' ? s[c] : 0), 0);
      expect(cell!.cached as number, c).toBeCloseTo(sum, 6);
    }

    // One sheet per municipality: only its schools, with their own totals.
    const rezekne = sheet(book, 'Rēzekne');
    expect(rezekne.freeze_panes).toBe('A2');
    expect(rezekne.auto_filter).toBe(`A1:${LAST}3`);
    expect(rezekne.rows.slice(1, 3).map((r) => r[col('school_id')]!.value)).toEqual(['s1', 's2']);
    expect(rezekne.rows[3]![col('programme_cost_eur')]).toMatchObject({
      value: `=SUM(${letters(col('programme_cost_eur'))}2:${letters(col('programme_cost_eur'))}3)`,
      cached: 12_500,
    });
    expect(rezekne.rows[3]![col('opex_eur_per_year')]!.cached).toBe(100);
    expect(sheet(book, 'Rīga Jūrmala centrs').rows[1]![col('municipality')]!.value).toBe(
      HOSTILE_MUNICIPALITY,
    );

    // Summary: figures with their formats, then the municipality table with totals.
    const summary = sheet(book, 'Kopsavilkums');
    const figure = (label: string): XlsxCell => {
      const row = summary.rows.find((r) => r[0]?.value === label);
      if (row === undefined) throw new Error(`no figure ${label}`);
      return row[1]!;
    };
    expect(figure('Budžets, EUR')).toMatchObject({ value: 100_000, type: 'n' });
    expect(figure('Budžets, EUR').format).toContain('€');
    expect(figure('Budžeta izlietojums')).toMatchObject({
      value: plan.total_cost_eur / plan.budget_eur,
      format: '0.0%',
    });
    expect(figure('Atstarpe līdz robežai')).toMatchObject({ value: 0.0125, format: '0.0%' });
    expect(figure('Optimāls')).toMatchObject({ value: true, type: 'b' });
    expect(figure('Sintētiski dati')).toMatchObject({ value: true, type: 'b' });
    expect(figure('Finansētās skolas').value).toBe(plan.selected.length);
    const tableAt = summary.rows.findIndex((r) => r[0]?.value === 'Pašvaldība');
    expect(tableAt).toBeGreaterThan(0);
    const table = summary.rows.slice(tableAt + 1, tableAt + 1 + municipalities.length);
    expect(table.map((r) => r[0]!.value)).toEqual(
      [...municipalities].sort((a, b) => a.localeCompare(b, 'lv')),
    );
    expect(summary.auto_filter).toBe(`A${tableAt + 1}:G${tableAt + 1 + municipalities.length}`);
    const tableTotals = summary.rows[tableAt + 1 + municipalities.length]!;
    expect(tableTotals[0]!.value).toBe('Kopā');
    expect(tableTotals[1]).toMatchObject({ type: 'f', cached: plan.schools.length });
    expect(tableTotals[2]).toMatchObject({ type: 'f', cached: plan.selected.length });
    expect(tableTotals[4]!.cached).toBe(plan.summary.programme_cost_eur);
    expect(tableTotals[5]).toMatchObject({ type: 'f', format: '0.0%' });
    expect(tableTotals[5]!.cached as number).toBeCloseTo(1, 9);
    for (const r of table) expect(r[5]!.format).toBe('0.0%');
    // The auditor's figures: the budget's source and the lifetime cost.
    expect(figure('Budžeta avots').value).toBe('synthetic test budget');
    expect(figure('Izmaksas mūža laikā, EUR')).toMatchObject({
      value: plan.summary.lifetime_cost_eur,
      type: 'n',
    });

    const greedy = sheet(book, 'Alkatīgā secība');
    expect(greedy.freeze_panes).toBe('A2');
    expect(greedy.rows[1]![8]).toMatchObject({ value: true, type: 'b' });
    expect(greedy.rows[1]![6]).toMatchObject({ value: 0.00125, type: 'n' });
  });

  it('writes English headers and sheet names for lang en', async () => {
    const book = readXlsx(python!, await planWorkbook(hostilePlan(), { lang: 'en', now: NOW }));
    expect(book.slice(0, 4).map((s) => s.name)).toEqual([
      'Summary',
      'Plan',
      'Greedy ranking',
      'Explanations',
    ]);
    expect(values(sheet(book, 'Plan').rows[0])).toEqual(PLAN_COLUMNS.map((c) => PLAN_COLUMN_INFO[c].en));
    expect(sheet(book, 'Plan').rows.at(-1)![0]!.value).toBe('Total');
    expect(sheet(book, 'Summary').rows.some((r) => r[0]?.value === 'Budget, EUR')).toBe(true);
  });

  it('writes a plan with nothing funded: headers, a filter and zero totals', async () => {
    const empty = {
      ...hostilePlan(),
      schools: [],
      selected: [],
      total_cost_eur: 0,
      total_benefit: 0,
      greedy: [],
      explanations: [],
    };
    const book = readXlsx(python!, await planWorkbook(empty, { lang: 'en', now: NOW }));
    expect(book.map((s) => s.name)).toEqual(['Summary', 'Plan', 'Greedy ranking', 'Explanations']);
    const main = sheet(book, 'Plan');
    expect(main.rows).toHaveLength(2);
    expect(main.rows[1]![PLAN_COLUMNS.indexOf('programme_cost_eur')]).toMatchObject({ value: 0, type: 'n' });
  });
});
