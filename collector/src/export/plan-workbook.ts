import ExcelJS from 'exceljs';
import { PLAN_COLUMNS, type Plan, type PlanRow } from '../planning/plan.js';
import {
  DEFAULT_PLAN_LANG,
  PLAN_COLUMN_INFO,
  type LangText,
  type PlanColumnKind,
  type PlanLang,
} from '../planning/plan-labels.js';

/**
 * The plan as an Excel workbook (Office Open XML, written by exceljs):
 * a summary sheet, the whole plan, the greedy ranking, the explanations,
 * and one sheet per municipality. Headers are in Latvian or English; every
 * table has a frozen header row, an autofilter and, where sums mean
 * something, a totals row with SUM formulas whose values are cached so a
 * reader that does not calculate (a viewer, a script) sees them too.
 */

/** The workbook's MIME type (ECMA-376 Part 1, §11.3.10's content type, as IANA registers it). */
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel's longest sheet name, characters ("Excel specifications and limits"). */
export const MAX_SHEET_NAME_CHARS = 31;

/**
 * Number formats (ECMA-376 Part 1, §18.8.31 format codes). Money is whole
 * euros as the plan counts it; `[$€-426]` is the euro sign with the
 * Latvian locale id (0x0426), which spreadsheets show as a currency.
 */
const FORMATS: Record<PlanColumnKind | 'ratio', string | undefined> = {
  text: undefined,
  boolean: undefined,
  count: '#,##0',
  eur: '#,##0 [$€-426];-#,##0 [$€-426]',
  number: '#,##0.00',
  score: '0.0',
  percent: '0.0%',
  // Benefit per euro is a small fraction (about 1e-3): six places show it.
  ratio: '0.000000',
};

/** How a column's cells are shown (number format). */
export type Kind = PlanColumnKind | 'ratio';

/** A table column: its header text, display and whether the totals row sums it. */
export interface TableColumn extends LangText {
  kind: Kind;
  total: boolean;
}

/** A cell as the tables write it. */
export type CellValue = string | number | boolean | null;

/** Widest column, characters: a long explanation wraps instead of making the sheet unreadable. */
const MAX_COLUMN_WIDTH = 60;

/** Texts of the workbook itself. */
const TEXT = {
  summary: { lv: 'Kopsavilkums', en: 'Summary' },
  plan: { lv: 'Plāns', en: 'Plan' },
  greedy: { lv: 'Alkatīgā secība', en: 'Greedy ranking' },
  explanations: { lv: 'Skaidrojumi', en: 'Explanations' },
  total: { lv: 'Kopā', en: 'Total' },
  unnamed: { lv: 'Lapa', en: 'Sheet' },
  figure: { lv: 'Rādītājs', en: 'Figure' },
  value: { lv: 'Vērtība', en: 'Value' },
} as const satisfies Record<string, LangText>;

const SUMMARY_FIGURES: readonly (LangText & { kind: Kind; value: (p: Plan) => CellValue })[] = [
  { lv: 'Budžets, EUR', en: 'Budget, EUR', kind: 'eur', value: (p) => p.budget_eur },
  { lv: 'Izmaksas kopā, EUR', en: 'Total cost, EUR', kind: 'eur', value: (p) => p.total_cost_eur },
  {
    lv: 'Budžeta izlietojums',
    en: 'Share of the budget used',
    kind: 'percent',
    value: (p) => (p.budget_eur > 0 ? p.total_cost_eur / p.budget_eur : null),
  },
  { lv: 'Budžeta avots', en: 'Source of the budget', kind: 'text', value: (p) => p.summary.budget.source },
  {
    lv: 'Budžetā iekļauts PVN',
    en: 'Budget includes VAT',
    kind: 'boolean',
    value: (p) => p.summary.budget.includes_vat,
  },
  {
    lv: 'Programmas nauda, EUR',
    en: 'Programme money, EUR',
    kind: 'eur',
    value: (p) => p.summary.programme_cost_eur,
  },
  {
    lv: 'Tajā skaitā apsekojumi, EUR',
    en: 'Of which surveys, EUR',
    kind: 'eur',
    value: (p) => p.summary.surveys_cost_eur,
  },
  {
    lv: 'Skolu īpašnieku izmaksas (PV), EUR',
    en: "School owners' cost (PV), EUR",
    kind: 'eur',
    value: (p) => p.summary.owner_cost_pv_eur,
  },
  {
    lv: 'Atlikusī vērtība (PV), EUR',
    en: 'Residual value (PV), EUR',
    kind: 'eur',
    value: (p) => p.summary.residual_value_pv_eur,
  },
  {
    lv: 'Izmaksas mūža laikā, EUR',
    en: 'Lifetime cost, EUR',
    kind: 'eur',
    value: (p) => p.summary.lifetime_cost_eur,
  },
  { lv: 'Diskonta likme', en: 'Discount rate', kind: 'percent', value: (p) => p.summary.discount_rate },
  { lv: 'Periods, gadi', en: 'Horizon, years', kind: 'count', value: (p) => p.summary.horizon_years },
  {
    lv: 'Skolas virs minimuma pirms',
    en: 'Schools at the floor before',
    kind: 'count',
    value: (p) => p.summary.floor.schools_before,
  },
  {
    lv: 'Skolas virs minimuma pēc',
    en: 'Schools at the floor after',
    kind: 'count',
    value: (p) => p.summary.floor.schools_after,
  },
  {
    lv: 'Programmas EUR uz skolēnu (minimums)',
    en: 'Programme EUR per pupil (floor)',
    kind: 'eur',
    value: (p) => p.summary.floor.programme_eur_per_pupil,
  },
  {
    lv: 'Skolas mērķī pirms',
    en: 'Schools at the target before',
    kind: 'count',
    value: (p) => p.summary.target.schools_before,
  },
  {
    lv: 'Skolas mērķī pēc',
    en: 'Schools at the target after',
    kind: 'count',
    value: (p) => p.summary.target.schools_after,
  },
  {
    lv: 'Programmas EUR uz skolēnu (mērķis)',
    en: 'Programme EUR per pupil (target)',
    kind: 'eur',
    value: (p) => p.summary.target.programme_eur_per_pupil,
  },
  {
    lv: 'Skolas bez pietiekamiem mērījumiem',
    en: 'Schools lacking evidence',
    kind: 'count',
    value: (p) => p.summary.lacking_evidence.schools.length,
  },
  { lv: 'Izpilde', en: 'Delivery', kind: 'text', value: (p) => p.summary.delivery },
  { lv: 'Finansētās skolas', en: 'Schools funded', kind: 'count', value: (p) => p.selected.length },
  {
    lv: 'Skolēni finansētajās skolās',
    en: 'Pupils in funded schools',
    kind: 'count',
    value: (p) => p.selected.reduce((n, s) => n + s.pupils, 0),
  },
  { lv: 'Ieguvums kopā', en: 'Total benefit', kind: 'number', value: (p) => p.total_benefit },
  {
    lv: 'Ieguvuma augšējā robeža',
    en: 'Upper bound of the benefit',
    kind: 'number',
    value: (p) => p.upper_bound,
  },
  { lv: 'Atstarpe līdz robežai', en: 'Gap to the bound', kind: 'percent', value: (p) => p.gap },
  { lv: 'Optimāls', en: 'Optimal', kind: 'boolean', value: (p) => p.optimal },
  { lv: 'Statuss', en: 'Status', kind: 'text', value: (p) => p.status },
  {
    lv: 'Nākamā eiro ieguvums',
    en: 'Benefit of the next euro',
    kind: 'ratio',
    value: (p) => p.benefit_per_eur_at_cutoff,
  },
  {
    lv: 'Alkatīgās secības ieguvums',
    en: 'Benefit of the greedy ranking',
    kind: 'number',
    value: (p) => p.greedy_benefit,
  },
  {
    lv: 'Skolas bez vērtējuma',
    en: 'Schools without a score',
    kind: 'count',
    value: (p) => p.unscored.length,
  },
  { lv: 'Sintētiski dati', en: 'Synthetic data', kind: 'boolean', value: (p) => p.synthetic },
];

const MUNICIPALITY_COLUMNS: readonly TableColumn[] = [
  { ...PLAN_COLUMN_INFO.municipality },
  { lv: 'Skolas', en: 'Schools', kind: 'count', total: true },
  { lv: 'Finansētās skolas', en: 'Schools funded', kind: 'count', total: true },
  { ...PLAN_COLUMN_INFO.pupils },
  { ...PLAN_COLUMN_INFO.programme_cost_eur },
  { lv: 'Daļa no izmaksām', en: 'Share of the cost', kind: 'percent', total: true },
  { ...PLAN_COLUMN_INFO.benefit },
];

const GREEDY_COLUMNS: readonly TableColumn[] = [
  { lv: 'Vieta', en: 'Rank', kind: 'count', total: false },
  { ...PLAN_COLUMN_INFO.school_id },
  { lv: 'No varianta', en: 'From option', kind: 'text', total: false },
  { lv: 'Uz variantu', en: 'To option', kind: 'text', total: false },
  { lv: 'Soļa izmaksas, EUR', en: 'Cost of the step, EUR', kind: 'eur', total: false },
  { lv: 'Soļa ieguvums', en: 'Benefit of the step', kind: 'number', total: false },
  { lv: 'Ieguvums uz eiro', en: 'Benefit per euro', kind: 'ratio', total: false },
  { lv: 'Uzkrātās izmaksas, EUR', en: 'Cumulative cost, EUR', kind: 'eur', total: false },
  { lv: 'Finansēts', en: 'Funded', kind: 'boolean', total: false },
];

const EXPLANATION_COLUMNS: readonly TableColumn[] = [
  { ...PLAN_COLUMN_INFO.school_id },
  { ...PLAN_COLUMN_INFO.school_name },
  { ...PLAN_COLUMN_INFO.option_id },
  { lv: 'Kāpēc', en: 'Why', kind: 'text', total: false },
  { lv: 'Ko tas dod', en: 'What it buys', kind: 'text', total: false },
  { lv: 'Nākamais eiro', en: 'The next euro', kind: 'text', total: false },
];

const PLAN_TABLE: readonly TableColumn[] = PLAN_COLUMNS.map((c) => ({ ...PLAN_COLUMN_INFO[c] }));

/**
 * Sheet names that Excel accepts, in order: characters `[]:*?/\` become
 * spaces, control characters and leading/trailing apostrophes and spaces
 * go, an empty name becomes `fallback`, names are cut to 31 characters
 * (never inside a surrogate pair), and a name equal to an earlier one
 * (ignoring case, as Excel does, and the reserved `History`) gets ` (2)`,
 * ` (3)`, … within the 31.
 */
export function excelSheetNames(names: readonly string[], fallback = 'Sheet'): string[] {
  // "History" is reserved by Excel for change tracking.
  const taken = new Set<string>(['HISTORY']);
  const fit = (text: string, max: number): string => {
    let out = '';
    for (const ch of text) {
      if (out.length + ch.length > max) break;
      out += ch;
    }
    return out.replace(/[\s']+$/u, '');
  };
  return names.map((raw) => {
    const cleaned = raw
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u001f\u007f]/g, '')
      .replace(/[[\]:*?/\\]/g, ' ')
      .replace(/\s+/gu, ' ')
      .replace(/^[\s']+|[\s']+$/gu, '');
    const base = fit(cleaned === '' ? fallback : cleaned, MAX_SHEET_NAME_CHARS) || fallback;
    let name = base;
    for (let n = 2; taken.has(name.toUpperCase()); n += 1) {
      const suffix = ` (${n})`;
      name = `${fit(base, MAX_SHEET_NAME_CHARS - suffix.length)}${suffix}`;
    }
    taken.add(name.toUpperCase());
    return name;
  });
}

/** A1-style column letters of a 1-based column number. */
function columnLetters(column: number): string {
  let name = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** Sets a cell's number format for its column kind. */
export function formatCell(cell: ExcelJS.Cell, kind: Kind): void {
  const format = kind === 'boolean' ? undefined : FORMATS[kind];
  if (format !== undefined) cell.numFmt = format;
}

/**
 * Adds a table below what `sheet` holds: a bold header, the rows, an
 * autofilter over header and rows, and when `totals` a last row labelled
 * in the first column with `SUM` over each summed column (its value cached
 * for readers that do not calculate). With `freeze` the header row is
 * frozen (the table must then start at the top).
 */
function addTable(
  sheet: ExcelJS.Worksheet,
  lang: PlanLang,
  columns: readonly TableColumn[],
  rows: readonly (readonly CellValue[])[],
  { totals, freeze }: { totals: boolean; freeze: boolean },
): void {
  const header = sheet.addRow(columns.map((c) => c[lang]));
  header.font = { bold: true };
  const top = header.number;
  for (const row of rows) {
    const added = sheet.addRow([...row]);
    columns.forEach((c, i) => formatCell(added.getCell(i + 1), c.kind));
  }
  const last = top + rows.length;
  if (freeze) {
    sheet.views = [
      { state: 'frozen', xSplit: 0, ySplit: top, topLeftCell: `A${top + 1}`, activeCell: `A${top + 1}` },
    ];
  }
  sheet.autoFilter = { from: { row: top, column: 1 }, to: { row: last, column: columns.length } };
  if (totals) {
    const total = sheet.addRow([TEXT.total[lang]]);
    total.font = { bold: true };
    columns.forEach((c, i) => {
      if (!c.total || i === 0) return;
      const sum = rows.reduce<number>((s, r) => s + (typeof r[i] === 'number' ? r[i] : 0), 0);
      const letter = columnLetters(i + 1);
      const cell = total.getCell(i + 1);
      // The rounding keeps float noise (0.1 + 0.2) out of the cached value.
      const result = Math.round(sum * 1e6) / 1e6;
      cell.value = rows.length > 0 ? { formula: `SUM(${letter}${top + 1}:${letter}${last})`, result } : 0;
      formatCell(cell, c.kind);
    });
  }
}

/** Column widths that fit the headers and values, within {@link MAX_COLUMN_WIDTH}. */
function fitColumns(
  sheet: ExcelJS.Worksheet,
  lang: PlanLang,
  columns: readonly TableColumn[],
  rows: readonly (readonly CellValue[])[],
): void {
  columns.forEach((c, i) => {
    const widest = Math.max(
      c[lang].length,
      ...rows.map((r) => (r[i] === null || r[i] === undefined ? 0 : String(r[i]).length)),
    );
    sheet.getColumn(i + 1).width = Math.min(MAX_COLUMN_WIDTH, Math.max(8, widest + 2));
  });
}

/** A sheet holding one table from its top, header frozen, columns fitted (shared with other workbooks). */
export function addTableSheet(
  wb: ExcelJS.Workbook,
  name: string,
  lang: PlanLang,
  columns: readonly TableColumn[],
  rows: readonly (readonly CellValue[])[],
  totals: boolean,
): ExcelJS.Worksheet {
  const sheet = wb.addWorksheet(name);
  addTable(sheet, lang, columns, rows, { totals, freeze: true });
  fitColumns(sheet, lang, columns, rows);
  return sheet;
}

/** Options of {@link planWorkbook}. */
export interface PlanWorkbookOptions {
  /** Language of headers and sheet names; default Latvian. */
  lang?: PlanLang;
  /** When the workbook is made (its document properties). */
  now: Date;
}

/**
 * The plan as an .xlsx file: Summary (key figures and a table per
 * municipality), Plan (every school, with totals), Greedy ranking,
 * Explanations, then one sheet per municipality in name order.
 * Text is written as text, never as a formula: a school named
 * `=HYPERLINK(…)` is a string cell.
 */
export async function planWorkbook(plan: Plan, options: PlanWorkbookOptions): Promise<Buffer> {
  const lang = options.lang ?? DEFAULT_PLAN_LANG;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'skolnet';
  wb.created = options.now;
  wb.modified = options.now;

  // Real booleans and numbers in the cells (the CSV's planRows writes booleans as text).
  const cells = (r: PlanRow): CellValue[] => PLAN_COLUMNS.map((c) => r[c]);
  const rows = plan.schools.map(cells);
  // Every school of each municipality, in the plan's order.
  const byMunicipality = new Map<string, PlanRow[]>();
  for (const r of plan.schools) {
    const mine = byMunicipality.get(r.municipality);
    if (mine) mine.push(r);
    else byMunicipality.set(r.municipality, [r]);
  }
  const municipalities = [...byMunicipality.keys()].sort((a, b) => a.localeCompare(b, 'lv'));
  const fixed = [TEXT.summary, TEXT.plan, TEXT.greedy, TEXT.explanations].map((t) => t[lang]);
  const names = excelSheetNames([...fixed, ...municipalities], TEXT.unnamed[lang]);

  const summary = wb.addWorksheet(names[0]);
  const figureHeader = summary.addRow([TEXT.figure[lang], TEXT.value[lang]]);
  figureHeader.font = { bold: true };
  for (const f of SUMMARY_FIGURES) {
    const row = summary.addRow([f[lang], f.value(plan)]);
    formatCell(row.getCell(2), f.kind);
  }
  summary.getColumn(1).width = 32;
  summary.getColumn(2).width = 18;
  summary.views = [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }];
  summary.addRow([]);
  // The municipality table below the figures, with its own header, filter and totals.
  const cost = plan.summary.programme_cost_eur;
  const municipalityRows = municipalities.map((m) => {
    const mine = byMunicipality.get(m) ?? [];
    const spent = mine.reduce((n, r) => n + r.programme_cost_eur + r.survey_cost_eur, 0);
    return [
      m,
      mine.length,
      mine.filter((r) => r.status === 'funded').length,
      mine.reduce((n, r) => n + r.pupils, 0),
      spent,
      cost > 0 ? spent / cost : 0,
      Math.round(mine.reduce((n, r) => n + r.benefit, 0) * 100) / 100,
    ];
  });
  addTable(summary, lang, MUNICIPALITY_COLUMNS, municipalityRows, { totals: true, freeze: false });
  MUNICIPALITY_COLUMNS.forEach((c, i) => {
    if (i > 1) summary.getColumn(i + 1).width = Math.max(14, c[lang].length + 2);
  });

  addTableSheet(wb, names[1]!, lang, PLAN_TABLE, rows, true);
  addTableSheet(
    wb,
    names[2]!,
    lang,
    GREEDY_COLUMNS,
    plan.greedy.map((g) => [
      g.rank,
      g.school_id,
      g.from_option ?? '',
      g.to_option,
      g.cost_eur,
      g.benefit,
      g.benefit_per_eur,
      g.cumulative_cost_eur,
      g.funded,
    ]),
    false,
  );
  const explanations = addTableSheet(
    wb,
    names[3]!,
    lang,
    EXPLANATION_COLUMNS,
    plan.explanations.map((e) => [e.school_id, e.school_name, e.option_id ?? '', e.why, e.buys, e.next_euro]),
    false,
  );
  for (const column of [4, 5, 6])
    explanations.getColumn(column).alignment = { wrapText: true, vertical: 'top' };
  municipalities.forEach((m, i) => {
    addTableSheet(wb, names[4 + i]!, lang, PLAN_TABLE, (byMunicipality.get(m) ?? []).map(cells), true);
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
