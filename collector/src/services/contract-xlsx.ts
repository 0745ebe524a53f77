import ExcelJS from 'exceljs';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { assertSafeXlsx } from '../security/xlsx-guard.js';

/** Most rows a contract workbook may hold: far past any programme's contracts, short of a runaway sheet. */
export const MAX_CONTRACT_ROWS = 10_000;

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  // A date cell is a contract's completion date: its calendar day, as the CSV writes it.
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('result' in value) return cellText(value.result);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value) return String(value.text);
    return '';
  }
  return String(value);
}

/**
 * The first worksheet of an .xlsx workbook as a table of text cells, as
 * the contract import reads it (the same as a CSV's).
 * @throws SkolnetError `SKOLNET_API_BAD_REQUEST` when the bytes are not a workbook or it is too long.
 */
export async function readContractWorkbook(bytes: Buffer): Promise<string[][]> {
  await assertSafeXlsx(bytes);
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, 'the file is not an .xlsx workbook', { cause: err });
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, 'the workbook has no worksheet');
  if (sheet.rowCount > MAX_CONTRACT_ROWS + 1) {
    throw new SkolnetError(
      ErrorCodes.API_BAD_REQUEST,
      `the worksheet has ${sheet.rowCount} rows; at most ${MAX_CONTRACT_ROWS} contracts per import`,
    );
  }
  const table: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= sheet.columnCount; c += 1) cells.push(cellText(row.getCell(c).value));
    table[rowNumber - 1] = cells;
  });
  return Array.from(table, (row) => row ?? []);
}
