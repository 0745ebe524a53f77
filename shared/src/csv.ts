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
 * One CSV cell. Text that a spreadsheet would take for a formula is
 * prefixed with `'`, which spreadsheets read as "this is text" and do not
 * show; numbers are written as they are (a negative number is a number,
 * not a formula). Cells with a quote, comma or line break are quoted.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header and rows as CSV text, each line ended by CRLF (RFC 4180 §2). */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
