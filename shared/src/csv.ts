/**
 * CSV as skolnet writes it (RFC 4180, CRLF line ends), safe to open in a
 * spreadsheet. Every CSV skolnet writes goes through {@link toCsv}.
 */

/**
 * First characters that make a spreadsheet read a text cell as a formula
 * (`=`, `+`, `-`, `@`) or that some apps strip before doing so (tab, CR):
 * OWASP "CSV Injection". A school name `=HYPERLINK(…)` must stay text.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * How a CSV separates cells. `comma` is RFC 4180 and skolnet's default.
 * `semicolon` is what Excel reads with Latvian (and most continental)
 * regional settings, whose list separator is `;` and decimal separator
 * `,`: cells are split by `;`, numbers carry a decimal comma, and the
 * text starts with a UTF-8 byte order mark, without which Excel reads the
 * file as the system code page and garbles Latvian letters (ā, ē, ķ, ...).
 */
export type CsvDelimiter = 'comma' | 'semicolon';

/** Every {@link CsvDelimiter}, for option and query-parameter checks. */
export const CSV_DELIMITERS: readonly CsvDelimiter[] = ['comma', 'semicolon'];

/** UTF-8 byte order mark that the `semicolon` dialect starts with (see {@link CsvDelimiter}). */
export const UTF8_BOM = '\uFEFF';

/**
 * One CSV cell. Text that a spreadsheet would take for a formula is
 * prefixed with `'`, which spreadsheets read as "this is text" and do not
 * show; numbers are written as they are (a negative number is a number,
 * not a formula), with a decimal comma in the `semicolon` dialect. Cells
 * with a quote, the delimiter or a line break are quoted.
 */
export function csvCell(
  value: string | number | boolean | null | undefined,
  delimiter: CsvDelimiter = 'comma',
): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  if (typeof value === 'number' && delimiter === 'semicolon') text = text.replace('.', ',');
  const special = delimiter === 'semicolon' ? /[";\r\n]/ : /[",\r\n]/;
  return special.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A header and rows as CSV text, each line ended by CRLF (RFC 4180 §2), in
 * the dialect `delimiter` names (default `comma`; see {@link CsvDelimiter}).
 */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
  delimiter: CsvDelimiter = 'comma',
): string {
  const separator = delimiter === 'semicolon' ? ';' : ',';
  const body =
    [header, ...rows].map((row) => row.map((cell) => csvCell(cell, delimiter)).join(separator)).join('\r\n') +
    '\r\n';
  return delimiter === 'semicolon' ? UTF8_BOM + body : body;
}
