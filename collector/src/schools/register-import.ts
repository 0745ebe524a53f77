/**
 * What an import of the national register export would do: which columns
 * mean what, every bad row with its reasons, and which schools it creates,
 * changes or leaves as they are. Pure: the service reads the file and the
 * stored schools, asks this module, and applies the plan only when no row
 * is bad, so an import is all or nothing and never drops a row silently.
 */
import type { SchoolType } from '@skolnet/shared';
import { ErrorCodes, SkolnetError, isPlainText } from '@skolnet/shared';
import type { SchoolRow } from '../storage/store.js';
import type { RegisterCell, RegisterFile } from './register-file.js';
import { RegisterProblemCodes, checkRegisterFields, parseSchoolType } from './register-rules.js';

/** Stable codes of a bad row, beside the register rules' codes. */
export const ImportProblemCodes = {
  ...RegisterProblemCodes,
  NAME_MISSING: 'SKOLNET_REGISTER_IMPORT_NAME_MISSING',
  MUNICIPALITY_MISSING: 'SKOLNET_REGISTER_IMPORT_MUNICIPALITY_MISSING',
  NUMBER_MISSING: 'SKOLNET_REGISTER_IMPORT_NUMBER_MISSING',
  PUPILS_INVALID: 'SKOLNET_REGISTER_IMPORT_PUPILS_INVALID',
  COORDINATE_INVALID: 'SKOLNET_REGISTER_IMPORT_COORDINATE_INVALID',
  FORMULA: 'SKOLNET_REGISTER_IMPORT_FORMULA',
  TEXT_INVALID: 'SKOLNET_REGISTER_IMPORT_TEXT_INVALID',
  EXTRA_CELLS: 'SKOLNET_REGISTER_IMPORT_EXTRA_CELLS',
  DUPLICATE_NUMBER: 'SKOLNET_REGISTER_IMPORT_DUPLICATE_NUMBER',
  COLUMNS_MISSING: 'SKOLNET_REGISTER_IMPORT_COLUMNS_MISSING',
} as const;

/** The fields an import row carries. */
export type ImportField =
  | 'registration_number'
  | 'name'
  | 'municipality'
  | 'address'
  | 'lat'
  | 'lon'
  | 'coordinates'
  | 'pupils'
  | 'school_type';

/**
 * Header names each field is known by: the register export's Latvian
 * headings, their English translations and skolnet's own field names.
 * Compared after folding case, diacritics, punctuation and spacing.
 */
const HEADER_ALIASES: Record<ImportField, readonly string[]> = {
  registration_number: [
    'registration_number',
    'registration number',
    'reg nr',
    'reģ nr',
    'reģistrācijas numurs',
    'reģistrācijas nr',
    'iestādes reģistrācijas numurs',
  ],
  name: ['name', 'nosaukums', 'iestādes nosaukums', 'izglītības iestādes nosaukums', 'school'],
  municipality: ['municipality', 'pašvaldība', 'novads', 'novads/valstspilsēta', 'administratīvā teritorija'],
  address: ['address', 'adrese', 'juridiskā adrese', 'īstenošanas vietas adrese'],
  lat: ['lat', 'latitude', 'platums', 'ģeogrāfiskais platums'],
  lon: ['lon', 'lng', 'longitude', 'garums', 'ģeogrāfiskais garums'],
  coordinates: ['coordinates', 'koordinātas', 'koordinātes'],
  pupils: ['pupils', 'izglītojamo skaits', 'izglītojamie', 'skolēnu skaits', 'audzēkņu skaits'],
  school_type: ['school_type', 'school type', 'type', 'iestādes veids', 'veids', 'iestādes tips'],
};

/** Folds a header for matching: lower case, no diacritics, punctuation as spaces. */
const foldHeader = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9/]+/g, ' ')
    .trim();

const ALIAS_TO_FIELD = new Map<string, ImportField>(
  (Object.entries(HEADER_ALIASES) as [ImportField, readonly string[]][]).flatMap(([field, names]) =>
    names.map((n) => [foldHeader(n), field] as [string, ImportField]),
  ),
);

/** A bad row's reason. */
export interface ImportProblem {
  /** The row in the file (a CSV's header is row 1), or 1 for the header itself. */
  row: number;
  field: string;
  code: string;
  lv: string;
  en: string;
}

/** A good row, ready to store. */
export interface ImportRow {
  row: number;
  registration_number: string;
  name: string;
  municipality: string;
  pupils: number;
  address: string | null;
  lat: number | null;
  lon: number | null;
  school_type: SchoolType | null;
}

/** What the import does with one good row. */
export type ImportAction =
  | { action: 'create'; row: ImportRow }
  | { action: 'update'; row: ImportRow; school_id: string; changed: string[] }
  | { action: 'unchanged'; row: ImportRow; school_id: string };

/** The dry run's report; the real import applies `actions` only when `problems` is empty. */
export interface ImportPlan {
  format: RegisterFile['format'];
  delimiter?: string;
  /** Which header became which field, by column. */
  columns: { header: string; field: ImportField | null }[];
  /** Headers no field took; their cells are not imported (told, not silent). */
  ignored_columns: string[];
  rows: number;
  blank_rows: number[];
  problems: ImportProblem[];
  /** Row numbers with at least one problem. */
  bad_rows: number[];
  actions: ImportAction[];
  counts: { create: number; update: number; unchanged: number; bad: number };
}

/** Longest text a name or an address may have (the API's limits). */
const MAX_TEXT = { name: 200, address: 300 } as const;
/**
 * A text cell a spreadsheet would run as a formula (OWASP "CSV Injection"):
 * refused in names and addresses so no export of ours ever carries one.
 */
const FORMULA_START = /^[=+\-@]/;

/** Largest pupils a school may have (the API's limit). */
const MAX_PUPILS = 100_000;

/**
 * A number as a register cell writes it: `57.3125` or, from a Latvian
 * locale, `57,3125`; spaces (and no-break spaces) between thousands ignored.
 */
export function parseLocaleNumber(text: string): number | undefined {
  const compact = text.replace(/[\s\u00a0\u202f]/g, '');
  if (!/^[-+]?\d+([.,]\d+)?$/.test(compact)) return undefined;
  return Number(compact.replace(',', '.'));
}

/** "57.3125, 25.2712", "57,3125; 25,2712" or "57.3125 25.2712" as [lat, lon]. */
function parseCoordinates(text: string): [number, number] | undefined {
  const trimmed = text.trim();
  const parts = trimmed.includes(';')
    ? trimmed.split(';')
    : /^\S+,\s+\S+$/.test(trimmed) || /^[^,]*\.[^,]*,[^,]*\.[^,]*$/.test(trimmed)
      ? trimmed.split(',')
      : trimmed.split(/\s+/);
  if (parts.length !== 2) return undefined;
  const [lat, lon] = parts.map((p) => parseLocaleNumber(p));
  return lat === undefined || lon === undefined ? undefined : [lat, lon];
}

/** Maps the header to fields; throws (coded) when a required column is missing. */
function mapColumns(header: string[]): ImportPlan['columns'] {
  const taken = new Set<ImportField>();
  const columns = header.map((h) => {
    const field = ALIAS_TO_FIELD.get(foldHeader(h)) ?? null;
    // A second column of the same meaning is ignored, and reported as such.
    if (field === null || taken.has(field)) return { header: h, field: null };
    taken.add(field);
    return { header: h, field };
  });
  const missing = (['registration_number', 'name', 'municipality', 'pupils'] as const).filter(
    (f) => !taken.has(f),
  );
  if (missing.length > 0) {
    throw new SkolnetError(
      ErrorCodes.API_BAD_REQUEST,
      `the header lacks ${missing.join(', ')} (known headings: ${missing
        .map((f) => HEADER_ALIASES[f].filter((a) => /[^a-z_ ]/.test(a))[0] ?? f)
        .join(', ')}) (${ImportProblemCodes.COLUMNS_MISSING})`,
    );
  }
  return columns;
}

/** Checks every row of a read file and plans it against the stored schools. */
export function planImport(file: RegisterFile, existing: readonly SchoolRow[]): ImportPlan {
  const columns = mapColumns(file.header);
  const problems: ImportProblem[] = [];
  const good: ImportRow[] = [];
  for (const { row, cells } of file.rows) {
    const rowProblems: ImportProblem[] = [];
    const add = (field: string, code: string, lv: string, en: string): void => {
      rowProblems.push({ row, field, code, lv, en });
    };
    if (cells.length > columns.length && cells.slice(columns.length).some((c) => !isBlank(c))) {
      add(
        'row',
        ImportProblemCodes.EXTRA_CELLS,
        `rindā ir vairāk aizpildītu šūnu nekā virsrakstā (${columns.length}); vai atdalītājs ir pareizs?`,
        `the row has more filled cells than the header has columns (${columns.length}); is the separator right?`,
      );
    }
    const value: Partial<Record<ImportField, string>> = {};
    columns.forEach(({ field }, i) => {
      if (field === null) return;
      const cell: RegisterCell = cells[i] ?? { text: '' };
      if ('formula' in cell) {
        add(
          field,
          ImportProblemCodes.FORMULA,
          `šūnā ir formula (=${cell.formula}), nevis vērtība; ielīmējiet vērtības`,
          `the cell holds a formula (=${cell.formula}), not a value; paste values instead`,
        );
        return;
      }
      const text = cell.text.normalize('NFC').trim();
      // The API's plain-text rule: no control characters, no lone surrogates.
      if (!isPlainText(text)) {
        add(
          field,
          ImportProblemCodes.TEXT_INVALID,
          'šūnā ir vadības rakstzīmes',
          'the cell holds control characters',
        );
        return;
      }
      value[field] = text;
    });

    const name = value.name ?? '';
    if (value.name !== undefined) {
      if (name === '') add('name', ImportProblemCodes.NAME_MISSING, 'nav nosaukuma', 'the name is empty');
      else if (name.length > MAX_TEXT.name || FORMULA_START.test(name)) {
        add(
          'name',
          ImportProblemCodes.TEXT_INVALID,
          `nosaukums ir garāks par ${MAX_TEXT.name} rakstzīmēm vai sākas kā formula`,
          `the name is longer than ${MAX_TEXT.name} characters or starts like a formula`,
        );
      }
    }
    const address = value.address ?? '';
    if (address.length > MAX_TEXT.address || FORMULA_START.test(address)) {
      add(
        'address',
        ImportProblemCodes.TEXT_INVALID,
        `adrese ir garāka par ${MAX_TEXT.address} rakstzīmēm vai sākas kā formula`,
        `the address is longer than ${MAX_TEXT.address} characters or starts like a formula`,
      );
    }
    const number = (value.registration_number ?? '').replace(/\s/g, '');
    if (value.registration_number !== undefined && number === '') {
      add(
        'registration_number',
        ImportProblemCodes.NUMBER_MISSING,
        'nav reģistrācijas numura',
        'the registration number is empty',
      );
    }
    if (value.municipality === '') {
      add(
        'municipality',
        ImportProblemCodes.MUNICIPALITY_MISSING,
        'nav pašvaldības',
        'the municipality is empty',
      );
    }
    let pupils: number | undefined;
    if (value.pupils !== undefined) {
      const n = parseLocaleNumber(value.pupils);
      if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_PUPILS) {
        add(
          'pupils',
          ImportProblemCodes.PUPILS_INVALID,
          `izglītojamo skaitam jābūt veselam skaitlim 0-${MAX_PUPILS}, ir "${value.pupils}"`,
          `pupils must be a whole number 0-${MAX_PUPILS}, got "${value.pupils}"`,
        );
      } else pupils = n;
    }
    let lat: number | null = null;
    let lon: number | null = null;
    const coordinate = (field: 'lat' | 'lon'): number | null => {
      const text = value[field];
      if (text === undefined || text === '') return null;
      const n = parseLocaleNumber(text);
      if (n === undefined) {
        add(
          field,
          ImportProblemCodes.COORDINATE_INVALID,
          `"${text}" nav skaitlis`,
          `"${text}" is not a number`,
        );
        return null;
      }
      return n;
    };
    if (value.coordinates !== undefined && value.coordinates !== '' && value.lat === undefined) {
      const pair = parseCoordinates(value.coordinates);
      if (pair) [lat, lon] = pair;
      else {
        add(
          'coordinates',
          ImportProblemCodes.COORDINATE_INVALID,
          `"${value.coordinates}" nav koordinātu pāris (platums, garums)`,
          `"${value.coordinates}" is not a coordinate pair (lat, lon)`,
        );
      }
    } else {
      lat = coordinate('lat');
      lon = coordinate('lon');
    }
    let schoolType: SchoolType | null = null;
    if (value.school_type) {
      const parsed = parseSchoolType(value.school_type);
      if (parsed) schoolType = parsed;
      else {
        add(
          'school_type',
          ImportProblemCodes.SCHOOL_TYPE_UNKNOWN,
          `"${value.school_type}" nav neviens no reģistra iestāžu veidiem`,
          `"${value.school_type}" is none of the register's kinds of institution`,
        );
      }
    }
    const rules = checkRegisterFields({
      municipality: value.municipality ?? '',
      registration_number: number === '' ? null : number,
      lat,
      lon,
    });
    for (const p of rules.problems) {
      // An empty municipality is told once, as empty.
      if (p.field === 'municipality' && value.municipality === '') continue;
      add(p.field, p.code, p.lv, p.en);
    }
    if (rowProblems.length > 0) {
      problems.push(...rowProblems);
      continue;
    }
    good.push({
      row,
      registration_number: number,
      name,
      municipality: rules.municipality as string,
      pupils: pupils as number,
      address: address === '' ? null : address,
      lat,
      lon,
      school_type: schoolType,
    });
  }

  // A number twice in the file: every row that has it is bad, each naming the others.
  const byNumber = new Map<string, ImportRow[]>();
  for (const r of good)
    byNumber.set(r.registration_number, [...(byNumber.get(r.registration_number) ?? []), r]);
  const duplicated = new Set<number>();
  for (const [number, rows] of byNumber) {
    if (rows.length < 2) continue;
    for (const r of rows) {
      duplicated.add(r.row);
      const others = rows
        .filter((o) => o !== r)
        .map((o) => o.row)
        .join(', ');
      problems.push({
        row: r.row,
        field: 'registration_number',
        code: ImportProblemCodes.DUPLICATE_NUMBER,
        lv: `numurs ${number} atkārtojas arī rindā ${others}`,
        en: `number ${number} appears again in row ${others}`,
      });
    }
  }

  const stored = new Map(
    existing.filter((s) => s.registration_number).map((s) => [s.registration_number, s]),
  );
  // Schools made before the register (no number yet) are matched by name and municipality once.
  const unnumbered = new Map(
    existing.filter((s) => !s.registration_number).map((s) => [`${s.municipality}\u0000${s.name}`, s]),
  );
  const actions: ImportAction[] = [];
  for (const row of good) {
    if (duplicated.has(row.row)) continue;
    const match =
      stored.get(row.registration_number) ?? unnumbered.get(`${row.municipality}\u0000${row.name}`);
    if (match && !stored.has(row.registration_number))
      unnumbered.delete(`${row.municipality}\u0000${row.name}`);
    if (!match) {
      actions.push({ action: 'create', row });
      continue;
    }
    const changed = (
      [
        'registration_number',
        'name',
        'municipality',
        'pupils',
        'address',
        'lat',
        'lon',
        'school_type',
      ] as const
    ).filter((k) => match[k] !== row[k]);
    actions.push(
      changed.length === 0
        ? { action: 'unchanged', row, school_id: match.id }
        : { action: 'update', row, school_id: match.id, changed },
    );
  }
  problems.sort((a, b) => a.row - b.row);
  const badRows = [...new Set(problems.map((p) => p.row))];
  return {
    format: file.format,
    ...(file.delimiter === undefined ? {} : { delimiter: file.delimiter }),
    columns,
    ignored_columns: columns.filter((c) => c.field === null).map((c) => c.header),
    rows: file.rows.length,
    blank_rows: file.blank_rows,
    problems,
    bad_rows: badRows,
    actions,
    counts: {
      create: actions.filter((a) => a.action === 'create').length,
      update: actions.filter((a) => a.action === 'update').length,
      unchanged: actions.filter((a) => a.action === 'unchanged').length,
      bad: badRows.length,
    },
  };
}

const isBlank = (cell: RegisterCell): boolean => 'text' in cell && cell.text.trim() === '';
