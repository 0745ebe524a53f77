import ExcelJS from 'exceljs';
import type { LangText, PlanLang } from '../planning/plan-labels.js';
import type { PublishedSupportReport } from '../support/support-report.js';
import {
  COMPENSATION_TYPES,
  CONSULTATION_TYPES,
  PLAN_STATUSES,
  RISK_GROUPS,
  type CompensationType,
  type ConsultationType,
  type PlanStatus,
  type RiskGroup,
} from '../support/support-rules.js';
import {
  addTableSheet,
  excelSheetNames,
  formatCell,
  type CellValue,
  type Kind,
  type TableColumn,
} from './plan-workbook.js';

/**
 * The semester report of the pupil-support records as an .xlsx workbook,
 * in the plan workbook's style (lv/en headers, frozen header, autofilter,
 * totals with SUM formulas and cached values): a summary, plans by status
 * and by risk group, consultations by type and hours, compensations by
 * type and EUR. Counts and sums only: no pupil, name, personal code or
 * pseudonym is in the report's input, so none can be in the file.
 */

/** Labels shared by the workbook and the HTML/PDF report (support-report-html.ts). */
export const STATUS_TEXT: Record<PlanStatus, LangText> = {
  Projekts: { lv: 'Projekts', en: 'Draft' },
  Saskaņošanā: { lv: 'Saskaņošanā', en: 'In approval' },
  Apstiprināts: { lv: 'Apstiprināts', en: 'Approved' },
  Īstenošanā: { lv: 'Īstenošanā', en: 'In progress' },
  Pārskatīšanā: { lv: 'Pārskatīšanā', en: 'Under revision' },
  Apturēts: { lv: 'Apturēts', en: 'Stopped' },
  Neaktīvs: { lv: 'Neaktīvs', en: 'Inactive' },
};

/** Labels shared by the workbook and the HTML/PDF report (support-report-html.ts). */
export const GROUP_TEXT: Record<RiskGroup, LangText> = {
  learning_school: { lv: 'Mācību un skolas', en: 'Learning and school' },
  economic: { lv: 'Ekonomiskie', en: 'Economic' },
  family: { lv: 'Ģimenes', en: 'Family' },
  social_health: { lv: 'Sociālās vides un veselības', en: 'Social environment and health' },
};

/** Labels shared by the workbook and the HTML/PDF report (support-report-html.ts). */
export const CONSULTATION_TEXT: Record<ConsultationType, LangText> = {
  pedagogue: { lv: 'Pedagogs', en: 'Pedagogue' },
  psychologist: { lv: 'Psihologs', en: 'Psychologist' },
  social_pedagogue: { lv: 'Sociālais pedagogs', en: 'Social pedagogue' },
  teacher_assistant: { lv: 'Pedagoga palīgs', en: "Teacher's assistant" },
  special_education_pedagogue: { lv: 'Speciālais pedagogs', en: 'Special-education pedagogue' },
  sign_language_interpreter: { lv: 'Surdotulks', en: 'Sign-language interpreter' },
  assistant: { lv: 'Asistents', en: 'Assistant' },
  occupational_therapist: { lv: 'Ergoterapeits', en: 'Occupational therapist' },
};

/** Labels shared by the workbook and the HTML/PDF report (support-report-html.ts). */
export const COMPENSATION_TEXT: Record<CompensationType, LangText> = {
  public_transport: { lv: 'Sabiedriskā transporta biļetes', en: 'Public transport tickets' },
  learning_materials: { lv: 'Individuālie mācību līdzekļi', en: 'Individual learning materials' },
  accommodation: { lv: 'Naktsmītne', en: 'Accommodation' },
  meals: { lv: 'Ēdināšana', en: 'Meals' },
  personal_items: { lv: 'Personiskās lietošanas priekšmeti', en: 'Personal-use items' },
  special_transport: { lv: 'Specializētais transports', en: 'Special transport' },
};

/** The report's words in both languages, shared with the HTML/PDF report. */
export const TEXT = {
  summary: { lv: 'Kopsavilkums', en: 'Summary' },
  status: { lv: 'Plāni pēc statusa', en: 'Plans by status' },
  groups: { lv: 'Plāni pēc riska grupas', en: 'Plans by risk group' },
  consultations: { lv: 'Konsultācijas', en: 'Consultations' },
  compensations: { lv: 'Kompensācijas', en: 'Compensations' },
  figure: { lv: 'Rādītājs', en: 'Figure' },
  value: { lv: 'Vērtība', en: 'Value' },
  total: { lv: 'Kopā', en: 'Total' },
  semester: { lv: 'Semestris', en: 'Semester' },
  scope: { lv: 'Aptvērums', en: 'Scope' },
  national: { lv: 'Valsts kopā', en: 'National' },
  suppressed: { lv: 'Mazi skaiti slēpti', en: 'Small counts suppressed' },
  suppressedNote: {
    lv: 'Skaiti, kas mazāki par 5, un tie, no kuriem tos varētu aprēķināt, ir tukši.',
    en: 'Counts below 5, and those they could be worked out from, are left empty.',
  },
  plans: { lv: 'Plāni', en: 'Plans' },
  laptops: { lv: 'Izsniegtie datori', en: 'Laptops issued' },
  measured: { lv: 'Datori ar mērījumiem mājās', en: 'Laptops measured at home' },
  home: { lv: 'Savienojums mājās (≥ 20 Mbit/s)', en: 'Home connectivity (≥ 20 Mbit/s)' },
  status1: { lv: 'Statuss', en: 'Status' },
  group1: { lv: 'Riska grupa', en: 'Risk group' },
  type1: { lv: 'Veids', en: 'Type' },
  count: { lv: 'Skaits', en: 'Count' },
  hours: { lv: 'Stundas', en: 'Hours' },
  eur: { lv: 'Summa, EUR', en: 'Amount, EUR' },
  yes: { lv: 'jā', en: 'yes' },
  no: { lv: 'nē', en: 'no' },
} as const satisfies Record<string, LangText>;

/** Minutes in an hour: consultations are kept in minutes and reported in hours. */
export const MINUTES_PER_HOUR = 60;
/** Cents in a euro: compensations are kept in whole cents. */
export const CENTS_PER_EUR = 100;

const col = (text: LangText, kind: Kind, total: boolean): TableColumn => ({ ...text, kind, total });

/** What the workbook is about. */
export interface SupportReportWorkbookOptions {
  lang: PlanLang;
  /** The semester code (`2025/2026-1`). */
  semester: string;
  /** The school's name for a school's report; undefined for the national one. */
  school?: string;
  /** When the workbook is made (its document properties). */
  now: Date;
}

/** The semester report as an .xlsx file. */
export async function supportReportWorkbook(
  report: PublishedSupportReport,
  options: SupportReportWorkbookOptions,
): Promise<Buffer> {
  const { lang } = options;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'skolnet';
  wb.created = options.now;
  wb.modified = options.now;
  const names = excelSheetNames(
    [TEXT.summary, TEXT.status, TEXT.groups, TEXT.consultations, TEXT.compensations].map((t) => t[lang]),
  );
  const hours = (minutes: number | null): number | null =>
    minutes === null ? null : Math.round((minutes / MINUTES_PER_HOUR) * 100) / 100;
  const euros = (cents: number | null): number | null => (cents === null ? null : cents / CENTS_PER_EUR);

  const summary = wb.addWorksheet(names[0]);
  summary.addRow([TEXT.figure[lang], TEXT.value[lang]]).font = { bold: true };
  const figures: [LangText, CellValue, Kind][] = [
    [TEXT.semester, options.semester, 'text'],
    [TEXT.scope, options.school ?? TEXT.national[lang], 'text'],
    [TEXT.suppressed, report.suppressed ? TEXT.yes[lang] : TEXT.no[lang], 'text'],
    [TEXT.plans, report.plans_total, 'count'],
    [TEXT.laptops, report.laptops_issued, 'count'],
    [TEXT.measured, report.home_laptops_measured, 'count'],
    [TEXT.home, report.home_connectivity_share, 'percent'],
  ];
  for (const [label, value, kind] of figures)
    formatCell(summary.addRow([label[lang], value]).getCell(2), kind);
  if (report.suppressed) summary.addRow([TEXT.suppressedNote[lang]]);
  summary.getColumn(1).width = 36;
  summary.getColumn(2).width = 24;
  summary.views = [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }];

  // A suppressed report's total is the published one, not the sum of the published cells.
  const totals = !report.suppressed;
  const suppressedTotal = (sheet: ExcelJS.Worksheet, values: CellValue[], kinds: Kind[]): void => {
    if (totals) return;
    const row = sheet.addRow([TEXT.total[lang], ...values]);
    row.font = { bold: true };
    kinds.forEach((k, i) => formatCell(row.getCell(i + 2), k));
  };

  const status = addTableSheet(
    wb,
    names[1]!,
    lang,
    [col(TEXT.status1, 'text', false), col(TEXT.count, 'count', true)],
    PLAN_STATUSES.map((s) => [STATUS_TEXT[s][lang], report.plans_by_status[s]]),
    totals,
  );
  suppressedTotal(status, [report.plans_total], ['count']);

  // A plan may carry risks of several groups: the groups do not add up to the plans, so no total.
  addTableSheet(
    wb,
    names[2]!,
    lang,
    [col(TEXT.group1, 'text', false), col(TEXT.count, 'count', false)],
    RISK_GROUPS.map((g) => [GROUP_TEXT[g][lang], report.plans_by_group[g]]),
    false,
  );

  const consultations = addTableSheet(
    wb,
    names[3]!,
    lang,
    [col(TEXT.type1, 'text', false), col(TEXT.count, 'count', true), col(TEXT.hours, 'number', true)],
    CONSULTATION_TYPES.map((t) => [
      CONSULTATION_TEXT[t][lang],
      report.consultations[t].count,
      hours(report.consultations[t].sum),
    ]),
    totals,
  );
  suppressedTotal(
    consultations,
    [report.consultations_total.count, hours(report.consultations_total.sum)],
    ['count', 'number'],
  );

  const compensations = addTableSheet(
    wb,
    names[4]!,
    lang,
    [col(TEXT.type1, 'text', false), col(TEXT.count, 'count', true), col(TEXT.eur, 'number', true)],
    COMPENSATION_TYPES.map((t) => [
      COMPENSATION_TEXT[t][lang],
      report.compensations[t].count,
      euros(report.compensations[t].sum),
    ]),
    totals,
  );
  suppressedTotal(
    compensations,
    [report.compensations_total.count, euros(report.compensations_total.sum)],
    ['count', 'number'],
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}
