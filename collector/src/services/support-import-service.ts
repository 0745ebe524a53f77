import ExcelJS from 'exceljs';
import { ErrorCodes, SkolnetError, toCsv } from '@skolnet/shared';
import type { PupilKeys } from '../security/pupil-keys.js';
import type { Store } from '../storage/store.js';
import {
  IMPORT_COLUMNS,
  mapHeader,
  parseCsv,
  parseImportRow,
  type ImportKey,
  type ImportedPlan,
} from '../support/support-import.js';
import { violation, type PlanStatus, type Violation } from '../support/support-rules.js';
import type { SupportActor, SupportConfig, SupportService } from './support-service.js';
import { assertSafeXlsx } from '../security/xlsx-guard.js';

/** Formats an import file can have. */
export type ImportFormat = 'csv' | 'xlsx';

/** Languages of the template. */
export type TemplateLanguage = 'lv' | 'en';

/** What happened (or, in a dry run, would happen) to one row. */
export type RowOutcome = 'create' | 'update' | 'unchanged' | 'refused' | 'empty';

/** One row of the import report: every row of the file has one. */
export interface ImportRowReport {
  /** Row number in the file, the header being row 1. */
  row: number;
  outcome: RowOutcome;
  pupil_id?: string;
  plan_id?: string;
  violations: (Violation & { column?: string })[];
}

/** The report of an import or dry run. */
export interface ImportReport {
  dry_run: boolean;
  rows: ImportRowReport[];
  counts: Record<RowOutcome, number>;
}

/** Largest import file, bytes: a school's semester of plans is a few hundred rows, far below this. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/** Rows of an import file at most; a larger one is refused whole rather than read in part. */
export const MAX_IMPORT_ROWS = 5_000;

/**
 * Columns of an XLSX import at most: the template has 18, so this leaves
 * room for a school's own notes. Without a bound, one cell at column XFD
 * (16,384) made the reader visit every empty cell of every row, and a
 * few-kilobyte workbook exhausted the collector's heap.
 */
export const MAX_IMPORT_COLUMNS = 100;

const EDITABLE: readonly PlanStatus[] = ['Projekts', 'Pārskatīšanā'];

/** A spreadsheet's letters for a 1-based column number: 1 → A, 27 → AA. */
function columnLetters(n: number): string {
  let letters = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26))
    letters = String.fromCharCode(65 + ((x - 1) % 26)) + letters;
  return letters;
}

/** JSON with sorted object keys, to compare what a row says with what is stored. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The text of a spreadsheet cell as a person typed it: days as YYYY-MM-DD, numbers as written. */
function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  // A serial number beyond any calendar reads as an invalid Date: its text fails the date check.
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('result' in value) return cellText(value.result);
    return '';
  }
  return String(value);
}

/** Reads an import file into rows of text cells (the header first). */
export async function readImportFile(bytes: Buffer, format: ImportFormat): Promise<string[][]> {
  if (bytes.length > MAX_IMPORT_BYTES) {
    throw new SkolnetError(
      ErrorCodes.PROTOCOL_TOO_LARGE,
      `an import file is at most ${MAX_IMPORT_BYTES} bytes`,
    );
  }
  if (format === 'csv') {
    const text = bytes.toString('utf8');
    if (text.includes('\uFFFD'))
      throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, 'a CSV import must be UTF-8 text');
    return parseCsv(text);
  }
  await assertSafeXlsx(bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, 'the file is not an XLSX workbook', { cause: err });
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, 'the workbook has no worksheet');
  // Size the sheet by the cells that hold values, and refuse it before
  // visiting any empty cell when it is larger than an import can be.
  let lastRow = 0;
  let width = 0;
  sheet.eachRow({ includeEmpty: false }, (row, r) => {
    lastRow = r;
    row.eachCell({ includeEmpty: false }, (_cell, c) => {
      width = Math.max(width, c);
    });
  });
  if (lastRow - 1 > MAX_IMPORT_ROWS) {
    throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, `an import has at most ${MAX_IMPORT_ROWS} rows`);
  }
  if (width > MAX_IMPORT_COLUMNS) {
    throw new SkolnetError(
      ErrorCodes.API_BAD_REQUEST,
      `an import has at most ${MAX_IMPORT_COLUMNS} columns (the template has ${IMPORT_COLUMNS.length})`,
    );
  }
  const rows: string[][] = [];
  for (let r = 1; r <= lastRow; r += 1) {
    const row = sheet.getRow(r);
    const cells: string[] = [];
    for (let c = 1; c <= width; c += 1) cells.push(cellText(row.getCell(c).value));
    rows.push(cells);
  }
  return rows;
}

/** The import template: the header in one language, with instructions in the XLSX. */
export async function importTemplate(lang: TemplateLanguage, format: ImportFormat): Promise<Buffer> {
  const header = IMPORT_COLUMNS.map((c) => c[lang]);
  if (format === 'csv') return Buffer.from(toCsv(header, []), 'utf8');
  const workbook = new ExcelJS.Workbook();
  const plans = workbook.addWorksheet(lang === 'lv' ? 'Plāni' : 'Plans');
  plans.addRow(header).font = { bold: true };
  plans.columns.forEach((col) => {
    col.width = 24;
  });
  // Every cell is text: a personal code or a date must not turn into a number.
  for (let c = 1; c <= header.length; c += 1) plans.getColumn(c).numFmt = '@';
  const help = workbook.addWorksheet(lang === 'lv' ? 'Norādījumi' : 'Instructions');
  help.addRow(lang === 'lv' ? ['Kolonna', 'Obligāta', 'Saturs'] : ['Column', 'Required', 'Content']).font = {
    bold: true,
  };
  for (const c of IMPORT_COLUMNS) {
    help.addRow([
      c[lang],
      c.required ? (lang === 'lv' ? 'jā' : 'yes') : lang === 'lv' ? 'nē' : 'no',
      c.help[lang],
    ]);
  }
  help.getColumn(1).width = 40;
  help.getColumn(3).width = 50;
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Dependencies of {@link importPlans}. */
export interface ImportDependencies {
  store: Store;
  support: SupportService;
  keys: () => PupilKeys | undefined;
  config: SupportConfig;
}

const emptyCounts = (): Record<RowOutcome, number> => ({
  create: 0,
  update: 0,
  unchanged: 0,
  refused: 0,
  empty: 0,
});

/**
 * Imports plans from the template's rows into one school. Every row of
 * the file gets a line in the report: created, updated, unchanged,
 * refused (with each violation's code and column) or empty. A dry run
 * stores nothing and reports what a real run would do; a real run stores
 * the rows that pass and refuses the rest. Running the same file again
 * changes nothing (every row `unchanged`).
 */
export async function importPlans(
  deps: ImportDependencies,
  actor: SupportActor,
  schoolId: string,
  rows: string[][],
  dryRun: boolean,
): Promise<ImportReport> {
  const keys = deps.keys();
  if (!keys) {
    throw new SkolnetError(ErrorCodes.SUPPORT_UNAVAILABLE, 'pupil-support records are off: no key directory');
  }
  if (!(await deps.store.getSchool(schoolId))) {
    throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
  }
  if (rows.length - 1 > MAX_IMPORT_ROWS) {
    throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, `an import has at most ${MAX_IMPORT_ROWS} rows`);
  }
  const [header = [], ...data] = rows;
  const report: ImportReport = { dry_run: dryRun, rows: [], counts: emptyCounts() };
  const add = (line: ImportRowReport): void => {
    report.rows.push(line);
    report.counts[line.outcome] += 1;
  };
  const mapped = mapHeader(header);
  const headerFault = mapped.missing.length > 0 || mapped.unknown.length > 0;
  // Unknown columns are named by position, never by their text: a file
  // saved without its header row has a pupil's code and name up there.
  const unknownAt = header.flatMap((h, i) =>
    mapped.keys[i] === undefined && h.trim() !== '' ? [`column ${columnLetters(i + 1)}`] : [],
  );
  const seen = new Set<string>();

  for (const [i, cells] of data.entries()) {
    const rowNumber = i + 2;
    if (cells.every((c) => c.trim() === '')) {
      add({ row: rowNumber, outcome: 'empty', violations: [] });
      continue;
    }
    if (headerFault) {
      // Without the right columns no row can be read: each is refused, none dropped.
      add({
        row: rowNumber,
        outcome: 'refused',
        violations: [
          {
            ...violation('SKOLNET_SUPPORT_IMPORT_HEADER'),
            column: [...mapped.missing, ...unknownAt].join(', '),
          },
        ],
      });
      continue;
    }
    const byKey: Partial<Record<ImportKey, string>> = {};
    mapped.keys.forEach((key, c) => {
      if (key !== undefined) byKey[key] = cells[c] ?? '';
    });
    const parsed = parseImportRow({ row: rowNumber, cells: byKey }, deps.config);
    if (!parsed.ok) {
      add({ row: rowNumber, outcome: 'refused', violations: parsed.violations });
      continue;
    }
    const plan = parsed.plan;
    const key = `${plan.personal_code}|${plan.semester}`;
    if (seen.has(key)) {
      add({
        row: rowNumber,
        outcome: 'refused',
        violations: [violation('SKOLNET_SUPPORT_IMPORT_DUPLICATE_ROW')],
      });
      continue;
    }
    seen.add(key);
    add(await importRow(deps, keys, actor, schoolId, rowNumber, plan, dryRun));
  }
  return report;
}

async function importRow(
  deps: ImportDependencies,
  keys: PupilKeys,
  actor: SupportActor,
  schoolId: string,
  row: number,
  plan: ImportedPlan,
  dryRun: boolean,
): Promise<ImportRowReport> {
  const support = deps.store.support;
  const pupil = await support.findPupilByPseudonym(keys.pseudonym(plan.personal_code));
  if (pupil && pupil.school_id !== schoolId) {
    return { row, outcome: 'refused', violations: [violation('SKOLNET_SUPPORT_IMPORT_OTHER_SCHOOL')] };
  }
  const pupilSame =
    pupil !== undefined &&
    pupil.programme === plan.programme &&
    pupil.grade === plan.grade &&
    pupil.class_label === plan.class_label &&
    keys.open(pupil.name_sealed, `pupil:${pupil.id}:name`) === plan.name;
  const stored = pupil ? await support.findPlan(pupil.id, plan.semester) : undefined;
  const content = {
    application: plan.application,
    prepared_on: plan.prepared_on,
    risks: plan.risks,
    measures: plan.measures,
  };
  const planSame =
    stored !== undefined &&
    canonical({
      application: stored.body.application,
      prepared_on: stored.body.prepared_on,
      risks: stored.body.risks,
      measures: stored.body.measures,
    }) === canonical(content);
  if (stored && !planSame && !EDITABLE.includes(stored.status)) {
    return {
      row,
      outcome: 'refused',
      pupil_id: pupil!.id,
      plan_id: stored.id,
      violations: [violation('SKOLNET_SUPPORT_IMPORT_PLAN_LOCKED')],
    };
  }
  const outcome: RowOutcome = !pupil || !stored ? 'create' : pupilSame && planSame ? 'unchanged' : 'update';
  if (dryRun || outcome === 'unchanged') {
    return {
      row,
      outcome,
      ...(pupil ? { pupil_id: pupil.id } : {}),
      ...(stored ? { plan_id: stored.id } : {}),
      violations: [],
    };
  }
  const { pupil: written } = await deps.support.addPupil(schoolId, {
    name: plan.name,
    personal_code: plan.personal_code,
    programme: plan.programme,
    grade: plan.grade,
    class_label: plan.class_label,
  });
  const saved = stored
    ? planSame
      ? stored
      : await deps.support.updatePlanContent(actor, schoolId, stored.id, content)
    : await deps.support.createPlan(actor, schoolId, {
        ...content,
        pupil_id: written.id,
        semester: plan.semester,
      });
  return { row, outcome, pupil_id: written.id, plan_id: saved.id, violations: [] };
}
