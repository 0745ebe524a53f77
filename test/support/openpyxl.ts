import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCommand } from './real-component.js';

/**
 * Reads .xlsx files with openpyxl (Debian package python3-openpyxl), a
 * reader skolnet did not write. Debian's own python3 comes first: a
 * python3 earlier in PATH (a version manager's) does not see Debian's
 * modules.
 */

/** A python3 that imports openpyxl, or undefined. */
export function findOpenpyxlPython(): string | undefined {
  return findCommand(['/usr/bin/python3', 'python3'], ['-c', 'import openpyxl']);
}

/** One cell as openpyxl reads it. */
export interface XlsxCell {
  /** The value: a formula cell's is its formula text (`=SUM(G2:G4)`). */
  value: string | number | boolean | null;
  /** openpyxl's data type: `s` string, `n` number, `b` boolean, `f` formula. */
  type: string;
  /** The number format code (`General` when none). */
  format: string;
  /** The value a calculating spreadsheet stored (for a formula: its cached result). */
  cached: string | number | boolean | null;
}

/** One sheet as openpyxl reads it. */
export interface XlsxSheet {
  name: string;
  /** Top-left cell of the scrolling part (`A2`: the first row is frozen), or null. */
  freeze_panes: string | null;
  /** The autofilter's range (`A1:M4`), or null. */
  auto_filter: string | null;
  rows: XlsxCell[][];
}

const SCRIPT = `
import json, sys, openpyxl
path = sys.argv[1]
formulas = openpyxl.load_workbook(path)
values = openpyxl.load_workbook(path, data_only=True)
out = []
for ws in formulas.worksheets:
    cached = values[ws.title]
    rows = []
    for row in ws.iter_rows():
        rows.append([
            {"value": c.value, "type": c.data_type, "format": c.number_format,
             "cached": cached.cell(row=c.row, column=c.column).value}
            for c in row
        ])
    out.append({"name": ws.title, "freeze_panes": ws.freeze_panes,
                "auto_filter": ws.auto_filter.ref, "rows": rows})
print(json.dumps(out))
`;

/** Every sheet of the workbook `data`, read by openpyxl with `python`. */
export function readXlsx(python: string, data: Uint8Array): XlsxSheet[] {
  const dir = mkdtempSync(join(tmpdir(), 'skolnet-xlsx-'));
  try {
    const file = join(dir, 'book.xlsx');
    writeFileSync(file, data);
    const out = execFileSync(python, ['-c', SCRIPT, file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return JSON.parse(out) as XlsxSheet[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
