/**
 * Reads a school register file (CSV or XLSX) into a header and rows of text
 * cells, each row with its number in the file, refusing what cannot be read
 * with a clear, coded message. Nothing here knows what the columns mean
 * (register-import.ts does); nothing is evaluated: a formula stays a
 * formula and is reported, never computed.
 */
import ExcelJS from 'exceljs';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { assertSafeXlsx } from '../security/xlsx-guard.js';

/** Stable codes of a file that cannot be read at all. */
export const RegisterFileCodes = {
  ENCODING: 'SKOLNET_REGISTER_IMPORT_ENCODING',
  FORMAT: 'SKOLNET_REGISTER_IMPORT_FORMAT',
  EMPTY: 'SKOLNET_REGISTER_IMPORT_EMPTY',
  TOO_MANY_ROWS: 'SKOLNET_REGISTER_IMPORT_TOO_MANY_ROWS',
  TOO_LARGE: 'SKOLNET_REGISTER_IMPORT_TOO_LARGE',
  UNCLOSED_QUOTE: 'SKOLNET_REGISTER_IMPORT_UNCLOSED_QUOTE',
} as const;

/**
 * Most data rows a file may hold. Latvia's register lists about 1,300
 * general, special and vocational schools and some 600 pre-schools; ten
 * times that is room for any real export and stops a runaway file early.
 */
export const MAX_REGISTER_ROWS = 20_000;

/**
 * Most bytes an XLSX may unpack to. An XLSX is a zip; a register export of
 * 20,000 rows unpacks to well under 20 MiB, while a zip bomb of a few
 * kilobytes can claim gigabytes. The zip's own directory is read first, so
 * the bomb is refused before anything is inflated.
 */
export const MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024;

/** One cell as read: its text, or a formula that was not evaluated. */
export type RegisterCell = { text: string } | { formula: string };

/** A data row with its number in the file (the header is row 1 of a CSV). */
export interface RegisterFileRow {
  row: number;
  cells: RegisterCell[];
}

/** A file read into a header and rows; blank rows are counted, not kept. */
export interface RegisterFile {
  format: 'csv' | 'xlsx';
  /** The CSV delimiter found; undefined for XLSX. */
  delimiter?: ',' | ';' | '\t';
  header: string[];
  rows: RegisterFileRow[];
  /** Rows with no text in any cell, by number, so a skipped row is never silent. */
  blank_rows: number[];
}

const fail = (code: string, message: string): SkolnetError =>
  new SkolnetError(ErrorCodes.API_BAD_REQUEST, `${message} (${code})`);

const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04];

/** Whether the bytes are a zip (an XLSX) rather than text. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return ZIP_LOCAL_HEADER.every((b, i) => bytes[i] === b);
}

/** Reads a register file; `name` (the upload's file name), when given, only sharpens the messages. */
export async function readRegisterFile(bytes: Uint8Array, name?: string): Promise<RegisterFile> {
  if (bytes.length === 0) throw fail(RegisterFileCodes.EMPTY, 'the file is empty');
  if (looksLikeZip(bytes)) return readXlsx(bytes);
  if (/\.xlsx?$/i.test(name ?? '') || (bytes[0] === 0xd0 && bytes[1] === 0xcf)) {
    // D0 CF 11 E0 is the old binary .xls (OLE2), which exceljs cannot read.
    throw fail(
      RegisterFileCodes.FORMAT,
      'not an XLSX file; save it as "Excel Workbook (.xlsx)" or as "CSV UTF-8"',
    );
  }
  return readCsv(decodeText(bytes));
}

/** UTF-8 (with or without a byte order mark) or UTF-16 with its mark; anything else is refused by name. */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    // fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw fail(
      RegisterFileCodes.ENCODING,
      'the file is not UTF-8 text (it looks like a legacy code page such as Windows-1257); ' +
        'in Excel choose "Save as" → "CSV UTF-8 (comma delimited)"',
    );
  }
}

/** The delimiter of the header line: the most frequent of `;`, `,` and tab outside quotes. */
function detectDelimiter(text: string): ',' | ';' | '\t' {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch in counts) counts[ch as keyof typeof counts] += 1;
  }
  // Excel in a Latvian locale writes `;` (the decimal separator is a comma), so `;` wins a tie.
  const order = [';', ',', '\t'] as const;
  return order.reduce((best, d) => (counts[d] > counts[best] ? d : best), ';' as ',' | ';' | '\t');
}

/** RFC 4180 CSV with quotes, doubled quotes and CRLF or LF line ends, in the detected delimiter. */
export function readCsv(text: string): RegisterFile {
  const delimiter = detectDelimiter(text);
  const lines: { row: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowStart = 1;
  let quoteOpenedAt = 0;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i += 1;
        } else quoted = false;
      } else {
        if (ch === '\n') line += 1;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') {
      quoted = true;
      quoteOpenedAt = line;
    } else if (ch === delimiter) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      cells.push(cell);
      lines.push({ row: rowStart, cells });
      cells = [];
      cell = '';
      line += 1;
      rowStart = line;
      if (lines.length > MAX_REGISTER_ROWS + 1) throw tooManyRows();
    } else cell += ch;
  }
  if (quoted) {
    throw fail(RegisterFileCodes.UNCLOSED_QUOTE, `a quote opened on line ${quoteOpenedAt} is never closed`);
  }
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    lines.push({ row: rowStart, cells });
  }
  return split(
    'csv',
    lines.map((l) => ({ row: l.row, cells: l.cells.map((t) => ({ text: t })) })),
    delimiter,
  );
}

const tooManyRows = (): SkolnetError =>
  fail(RegisterFileCodes.TOO_MANY_ROWS, `the file has more than ${MAX_REGISTER_ROWS} rows; split it`);

/** The first non-blank row is the header; the rest are data or counted blank. */
function split(format: 'csv' | 'xlsx', all: RegisterFileRow[], delimiter?: ',' | ';' | '\t'): RegisterFile {
  const blank = (r: RegisterFileRow): boolean => r.cells.every((c) => 'text' in c && c.text.trim() === '');
  const headerAt = all.findIndex((r) => !blank(r));
  if (headerAt < 0) throw fail(RegisterFileCodes.EMPTY, 'the file has no header row');
  const headerRow = all[headerAt] as RegisterFileRow;
  const header = headerRow.cells.map((c) => ('text' in c ? c.text : `=${c.formula}`));
  const rest = all.slice(headerAt + 1);
  if (rest.length > MAX_REGISTER_ROWS) throw tooManyRows();
  return {
    format,
    ...(delimiter === undefined ? {} : { delimiter }),
    header,
    rows: rest.filter((r) => !blank(r)),
    blank_rows: rest.filter(blank).map((r) => r.row),
  };
}

/**
 * The total unpacked size a zip's central directory declares, or
 * undefined when the directory cannot be found (then exceljs refuses it).
 * ZIP64 entries (sizes of 0xFFFFFFFF) count as too large.
 */
export function zipUnpackedBytes(bytes: Uint8Array): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // End of central directory: 22 bytes plus a comment of at most 65,535 (APPNOTE 4.3.16).
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= lowest; at -= 1) {
    if (view.getUint32(at, true) !== 0x06054b50) continue;
    const entries = view.getUint16(at + 10, true);
    let offset = view.getUint32(at + 16, true);
    let total = 0;
    for (let i = 0; i < entries; i += 1) {
      if (offset + 46 > bytes.length || view.getUint32(offset, true) !== 0x02014b50) return undefined;
      const size = view.getUint32(offset + 24, true);
      if (size === 0xffffffff) return Number.POSITIVE_INFINITY;
      total += size;
      offset +=
        46 +
        view.getUint16(offset + 28, true) +
        view.getUint16(offset + 30, true) +
        view.getUint16(offset + 32, true);
    }
    return total;
  }
  return undefined;
}

/** The first worksheet of an XLSX, read with exceljs; formulas are kept as formulas. */
async function readXlsx(bytes: Uint8Array): Promise<RegisterFile> {
  const unpacked = zipUnpackedBytes(bytes);
  if (unpacked === undefined) {
    throw fail(RegisterFileCodes.FORMAT, 'the file starts like an XLSX but its zip directory is damaged');
  }
  if (unpacked > MAX_XLSX_UNPACKED_BYTES) {
    throw fail(
      RegisterFileCodes.TOO_LARGE,
      `the XLSX unpacks to more than ${MAX_XLSX_UNPACKED_BYTES / 1024 / 1024} MiB; a register export is far smaller`,
    );
  }
  await assertSafeXlsx(bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch (err) {
    throw new SkolnetError(
      ErrorCodes.API_BAD_REQUEST,
      `the XLSX cannot be read: ${(err as Error).message} (${RegisterFileCodes.FORMAT})`,
      { cause: err },
    );
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw fail(RegisterFileCodes.EMPTY, 'the workbook has no worksheet');
  if (sheet.rowCount > MAX_REGISTER_ROWS + 1) throw tooManyRows();
  const rows: RegisterFileRow[] = [];
  sheet.eachRow({ includeEmpty: true }, (row, number) => {
    const cells: RegisterCell[] = [];
    for (let c = 1; c <= row.cellCount; c += 1) cells.push(xlsxCell(row.getCell(c)));
    rows.push({ row: number, cells });
  });
  return split('xlsx', rows);
}

/** A cell's text as the register meant it: numbers in full, dates as ISO, rich text joined. */
function xlsxCell(cell: ExcelJS.Cell): RegisterCell {
  const value = cell.value;
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'object' && ('formula' in value || 'sharedFormula' in value)) {
    const formula = 'formula' in value ? value.formula : (value as { sharedFormula: string }).sharedFormula;
    return { formula: String(formula) };
  }
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number' || typeof value === 'boolean') return { text: String(value) };
  if (value instanceof Date) return { text: value.toISOString() };
  if (typeof value === 'object' && 'richText' in value) {
    return { text: value.richText.map((r) => r.text).join('') };
  }
  if (typeof value === 'object' && 'text' in value) return { text: String(value.text) };
  if (typeof value === 'object' && 'error' in value) return { text: String(value.error) };
  return { text: String(cell.text) };
}
