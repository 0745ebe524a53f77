import { checkPersonalCode } from './personal-code.js';
import {
  RISK_GROUPS,
  checkDocumentOrder,
  checkPlanContents,
  checkTargetGroup,
  isIsoDate,
  parseSemester,
  violation,
  type IsoDate,
  type Programme,
  type RiskGroup,
  type TargetGroupConfig,
  type Violation,
} from './support-rules.js';

/**
 * The import template of plans (docs/pupil-support.md, "Import"): one row
 * per pupil per semester, headers in Latvian or English. Pure: the
 * service reads the file (CSV or XLSX) into rows of text and stores what
 * {@link parseImportRow} accepts.
 */

/** A template column: its key, its header in each language, and what it holds. */
export interface ImportColumn {
  key: ImportKey;
  lv: string;
  en: string;
  required: boolean;
  /** What goes in the cell, in both languages, for the template's instructions. */
  help: { lv: string; en: string };
}

/** Keys of the template's columns. */
export type ImportKey =
  | 'personal_code'
  | 'name'
  | 'programme'
  | 'grade'
  | 'class_label'
  | 'semester'
  | 'application_on'
  | 'application_by'
  | 'application_doc'
  | 'prepared_on'
  | `risk_${RiskGroup}`
  | `measures_${RiskGroup}`;

const GROUP_NAMES: Record<RiskGroup, { lv: string; en: string }> = {
  learning_school: { lv: 'mācību un skolas', en: 'learning and school' },
  economic: { lv: 'ekonomiskais', en: 'economic' },
  family: { lv: 'ģimenes', en: 'family' },
  social_health: { lv: 'sociālās vides un veselības', en: 'social environment and health' },
};

/** The template's columns, in order. */
export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  {
    key: 'personal_code',
    lv: 'Personas kods',
    en: 'Personal code',
    required: true,
    help: { lv: 'NNNNNN-NNNNN', en: 'NNNNNN-NNNNN' },
  },
  {
    key: 'name',
    lv: 'Vārds, uzvārds',
    en: 'Name',
    required: true,
    help: { lv: 'Izglītojamā vārds un uzvārds', en: "The pupil's full name" },
  },
  {
    key: 'programme',
    lv: 'Programma',
    en: 'Programme',
    required: true,
    help: { lv: 'vispārējā vai profesionālā', en: 'general or vocational' },
  },
  {
    key: 'grade',
    lv: 'Klase vai kurss',
    en: 'Grade or course',
    required: true,
    help: { lv: '1-12 vai 1-4', en: '1-12 or 1-4' },
  },
  {
    key: 'class_label',
    lv: 'Klases nosaukums',
    en: 'Class',
    required: true,
    help: { lv: 'piemēram, 7.b', en: 'e.g. 7.b' },
  },
  {
    key: 'semester',
    lv: 'Semestris',
    en: 'Semester',
    required: true,
    help: { lv: 'GGGG/GGGG-1 vai -2', en: 'YYYY/YYYY-1 or -2' },
  },
  {
    key: 'application_on',
    lv: 'Iesnieguma datums',
    en: 'Application date',
    required: true,
    help: { lv: 'GGGG-MM-DD', en: 'YYYY-MM-DD' },
  },
  {
    key: 'application_by',
    lv: 'Iesniedzējs',
    en: 'Applicant',
    required: true,
    help: { lv: 'vecāks vai izglītojamais (pilngadīgs)', en: 'parent or pupil (adult)' },
  },
  {
    key: 'application_doc',
    lv: 'Iesnieguma dokuments',
    en: 'Application document',
    required: true,
    help: { lv: 'dokumenta numurs vai nosaukums', en: "the document's number or title" },
  },
  {
    key: 'prepared_on',
    lv: 'Plāns sagatavots',
    en: 'Plan prepared',
    required: true,
    help: { lv: 'GGGG-MM-DD', en: 'YYYY-MM-DD' },
  },
  ...RISK_GROUPS.map((g): ImportColumn => ({
    key: `risk_${g}`,
    lv: `Risks: ${GROUP_NAMES[g].lv} (pamatojums)`,
    en: `Risk: ${GROUP_NAMES[g].en} (justification)`,
    required: false,
    help: { lv: 'tukšs, ja šī riska nav', en: 'empty when there is no such risk' },
  })),
  ...RISK_GROUPS.map((g): ImportColumn => ({
    key: `measures_${g}`,
    lv: `Pasākumi: ${GROUP_NAMES[g].lv}`,
    en: `Measures: ${GROUP_NAMES[g].en}`,
    required: false,
    help: {
      lv: 'pasākumi šim riskam, atdalīti ar semikolu',
      en: 'measures for this risk, separated by semicolons',
    },
  })),
];

/** One data row as text cells by column key, with its line or row number in the file. */
export interface RawImportRow {
  /** 1-based row number in the file (the header is row 1). */
  row: number;
  cells: Partial<Record<ImportKey, string>>;
}

/** A row the rules accept, as the service stores it. */
export interface ImportedPlan {
  /** Normalised `NNNNNN-NNNNN`. */
  personal_code: string;
  name: string;
  programme: Programme;
  grade: number;
  class_label: string;
  semester: string;
  application: { on: IsoDate; by: 'parent' | 'pupil'; document_ref: string };
  prepared_on: IsoDate;
  risks: { id: string; group: RiskGroup; justification: string }[];
  measures: { id: string; description: string; risk_ids: string[] }[];
}

/** What a row came to: the plan, or every violation with the column it is about. */
export type ParsedImportRow =
  | { row: number; ok: true; plan: ImportedPlan }
  | { row: number; ok: false; violations: (Violation & { column?: string })[] };

const normalizeHeader = (h: string): string => h.trim().replace(/\s+/g, ' ').toLocaleLowerCase('lv');

/**
 * Maps a header row (either language, any case) to column keys. Returns
 * the keys by position and the headers it does not know or misses, so an
 * unknown column is reported, never ignored.
 */
export function mapHeader(header: readonly string[]): {
  keys: (ImportKey | undefined)[];
  unknown: string[];
  missing: ImportKey[];
} {
  const byName = new Map<string, ImportKey>();
  for (const c of IMPORT_COLUMNS) {
    byName.set(normalizeHeader(c.lv), c.key);
    byName.set(normalizeHeader(c.en), c.key);
    byName.set(c.key, c.key);
  }
  const keys = header.map((h) => byName.get(normalizeHeader(h)));
  const unknown = header.filter((h, i) => keys[i] === undefined && h.trim() !== '');
  const missing = IMPORT_COLUMNS.filter((c) => c.required && !keys.includes(c.key)).map((c) => c.key);
  return { keys, unknown, missing };
}

const PROGRAMMES: Record<string, Programme> = {
  general: 'general',
  vispārējā: 'general',
  vocational: 'vocational',
  profesionālā: 'vocational',
};
const APPLICANTS: Record<string, 'parent' | 'pupil'> = {
  parent: 'parent',
  vecāks: 'parent',
  pupil: 'pupil',
  izglītojamais: 'pupil',
};

const fieldViolation = (column: ImportKey): Violation & { column: string } => ({
  ...violation('SKOLNET_SUPPORT_IMPORT_FIELD'),
  column,
});

/**
 * Reads one row: every cell checked, then the rules a plan must meet from
 * the start (target group, application before the plan, justified risks,
 * measures linked to risks). Risk and measure ids are derived from the
 * group and position, so importing the same row again gives the same plan.
 */
export function parseImportRow(raw: RawImportRow, config: TargetGroupConfig): ParsedImportRow {
  const out: (Violation & { column?: string })[] = [];
  const cell = (key: ImportKey): string => (raw.cells[key] ?? '').trim();
  for (const c of IMPORT_COLUMNS) if (c.required && cell(c.key) === '') out.push(fieldViolation(c.key));

  const code = checkPersonalCode(cell('personal_code'));
  if (cell('personal_code') !== '' && !code.ok) {
    out.push({ ...violation('SKOLNET_SUPPORT_IMPORT_PERSONAL_CODE'), column: 'personal_code' });
  }
  const programme = PROGRAMMES[cell('programme').toLocaleLowerCase('lv')];
  if (cell('programme') !== '' && !programme) out.push(fieldViolation('programme'));
  const grade = /^\d{1,2}$/.test(cell('grade')) ? Number(cell('grade')) : Number.NaN;
  if (cell('grade') !== '' && Number.isNaN(grade)) out.push(fieldViolation('grade'));
  const semester = parseSemester(cell('semester'));
  if (cell('semester') !== '' && !semester)
    out.push({ ...violation('SKOLNET_SUPPORT_SEMESTER_INVALID'), column: 'semester' });
  for (const key of ['application_on', 'prepared_on'] as const) {
    if (cell(key) !== '' && !isIsoDate(cell(key))) out.push(fieldViolation(key));
  }
  const by = APPLICANTS[cell('application_by').toLocaleLowerCase('lv')];
  if (cell('application_by') !== '' && !by) out.push(fieldViolation('application_by'));

  const risks: ImportedPlan['risks'] = [];
  const measures: ImportedPlan['measures'] = [];
  for (const g of RISK_GROUPS) {
    const justification = cell(`risk_${g}`);
    const listed = cell(`measures_${g}`)
      .split(';')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    if (justification !== '') risks.push({ id: `risk-${g}`, group: g, justification });
    listed.forEach((description, i) =>
      measures.push({
        id: `measure-${g}-${i + 1}`,
        description,
        // A measure under a group with no risk links to nothing: rule 4 flags it.
        risk_ids: justification === '' ? [] : [`risk-${g}`],
      }),
    );
  }
  if (risks.length === 0) out.push({ ...violation('SKOLNET_SUPPORT_IMPORT_NO_RISK') });
  // Contents are checked whatever else is wrong, so the dry run lists them too.
  out.push(...checkPlanContents(risks, measures));

  if (out.length === 0) {
    out.push(...checkTargetGroup(programme!, grade, semester!, config));
    out.push(
      ...checkDocumentOrder({
        application_on: cell('application_on'),
        prepared_on: cell('prepared_on'),
        approvals: [],
        agreement_on: null,
        consultations: [],
      }),
    );
  }
  if (out.length > 0) return { row: raw.row, ok: false, violations: out };
  return {
    row: raw.row,
    ok: true,
    plan: {
      personal_code: (code as { normalized: string }).normalized,
      name: cell('name'),
      programme: programme!,
      grade,
      class_label: cell('class_label'),
      semester: semester!.code,
      application: { on: cell('application_on'), by: by!, document_ref: cell('application_doc') },
      prepared_on: cell('prepared_on'),
      risks,
      measures,
    },
  };
}

/**
 * Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF)
 * into rows of cells. A leading byte-order mark is dropped; a separator of
 * `;` is taken when the header has more semicolons than commas (Latvian
 * spreadsheet programs write CSV with `;`, as the decimal separator is `,`).
 */
export function parseCsv(text: string): string[][] {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
  const rows: string[][] = [];
  let row: string[] = [];
  let cellText = '';
  let quoted = false;
  for (let i = 0; i < body.length; i += 1) {
    const ch = body[i]!;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        cellText += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cellText += ch;
    } else if (ch === '"' && cellText === '') quoted = true;
    else if (ch === sep) {
      row.push(cellText);
      cellText = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i += 1;
      row.push(cellText);
      rows.push(row);
      row = [];
      cellText = '';
    } else cellText += ch;
  }
  if (cellText !== '' || row.length > 0) {
    row.push(cellText);
    rows.push(row);
  }
  return rows;
}
